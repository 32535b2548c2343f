//! Machines: `/machines`.

use reqwest::Method;
use serde_json::{Map, Value};

use super::models::{MachineActivationOptions, MachineInfo};
use super::{error_codes, Client, Error};

/// Machines: `/machines`. Reached through [`Client::machines`]. These actions present the license key itself and work
/// with the verify-only key an application ships.
#[derive(Debug, Clone, Copy)]
pub struct MachinesClient<'a> {
    pub(super) client: &'a Client,
}

impl MachinesClient<'_> {
    /// Activates a machine on a license: takes one of its seats, or answers the machine already activated with this
    /// fingerprint (or, under a policy matching most components, rebinds the machine they recognise).
    ///
    /// # Errors
    /// `machine_limit_exceeded` when every seat is taken; any other error answer or failure to reach the server.
    pub async fn activate(
        &self,
        license_key: &str,
        fingerprint: &str,
        machine: &MachineActivationOptions,
    ) -> Result<MachineInfo, Error> {
        let mut body = key_and_fingerprint(license_key, fingerprint)?;
        for (name, value) in [
            ("name", &machine.name),
            ("platform", &machine.platform),
            ("hostname", &machine.hostname),
        ] {
            if let Some(value) = value {
                body.insert(name.into(), Value::from(value.as_str()));
            }
        }
        if !machine.components.is_empty() {
            let components: Map<String, Value> = machine
                .components
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
                .collect();
            body.insert("components".into(), Value::Object(components));
        }
        self.post("machines", body).await
    }

    /// Releases a machine's seat, within the license's allowance of self-service transfers.
    ///
    /// # Errors
    /// `transfer_limit_exceeded` beyond the allowance; any other error answer or failure to reach the server.
    pub async fn deactivate(
        &self,
        license_key: &str,
        fingerprint: &str,
    ) -> Result<MachineInfo, Error> {
        self.post(
            "machines/deactivate",
            key_and_fingerprint(license_key, fingerprint)?,
        )
        .await
    }

    /// Tells the server this machine is alive, under a policy that requires heartbeats.
    ///
    /// # Errors
    /// `not_found` when no such machine is activated; any other error answer or failure to reach the server.
    pub async fn heartbeat(
        &self,
        license_key: &str,
        fingerprint: &str,
    ) -> Result<MachineInfo, Error> {
        self.post(
            "machines/heartbeat",
            key_and_fingerprint(license_key, fingerprint)?,
        )
        .await
    }

    async fn post(&self, path: &str, body: Map<String, Value>) -> Result<MachineInfo, Error> {
        let body = serde_json::to_vec(&body).map_err(|e| {
            Error::new(
                error_codes::INVALID_ARGUMENT,
                format!("The request cannot be written as JSON: {e}"),
            )
        })?;
        let (mut machine, rate_limit) = self
            .client
            .call::<MachineInfo>(Method::POST, path, Some(body))
            .await?;
        machine.rate_limit = rate_limit;
        Ok(machine)
    }
}

fn key_and_fingerprint(license_key: &str, fingerprint: &str) -> Result<Map<String, Value>, Error> {
    if license_key.trim().is_empty() || fingerprint.trim().is_empty() {
        return Err(Error::new(
            error_codes::INVALID_ARGUMENT,
            "The license key and the machine's fingerprint are required.",
        ));
    }
    let mut body = Map::new();
    body.insert("key".into(), Value::from(license_key));
    body.insert("fingerprint".into(), Value::from(fingerprint));
    Ok(body)
}
