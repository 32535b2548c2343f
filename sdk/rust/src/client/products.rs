//! Products: `/products`.

use reqwest::Method;

use super::models::{Page, ProductCreateOptions, ProductInfo};
use super::{error_codes, id_segment, with_query, Client, Error};

/// Products: `/products`. Reached through [`Client::products`].
#[derive(Debug, Clone, Copy)]
pub struct ProductsClient<'a> {
    pub(super) client: &'a Client,
}

impl ProductsClient<'_> {
    /// One page of products.
    ///
    /// # Errors
    /// The server's error answer, or a failure to reach it.
    pub async fn list(
        &self,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<Page<ProductInfo>, Error> {
        let limit = limit.map(|l| l.to_string());
        let path = with_query(
            "products",
            &[("limit", limit.as_deref()), ("cursor", cursor)],
        );
        let response = self.client.send(Method::GET, &path, None, true).await?;
        if !response.is_success() {
            return Err(response.to_error());
        }
        response.read_page()
    }

    /// A product by id (`prod_…`).
    ///
    /// # Errors
    /// `not_found` when there is no such product; any other error answer or failure to reach the server.
    pub async fn get(&self, id: &str) -> Result<ProductInfo, Error> {
        let path = format!("products/{}", id_segment(id, "product id")?);
        let (mut product, rate_limit) = self
            .client
            .call::<ProductInfo>(Method::GET, &path, None)
            .await?;
        product.rate_limit = rate_limit;
        Ok(product)
    }

    /// Creates a product.
    ///
    /// # Errors
    /// The server's error answer, or a failure to reach it.
    pub async fn create(&self, options: &ProductCreateOptions) -> Result<ProductInfo, Error> {
        let body = serde_json::to_vec(options).map_err(|e| {
            Error::new(
                error_codes::INVALID_ARGUMENT,
                format!("The request cannot be written as JSON: {e}"),
            )
        })?;
        let (mut product, rate_limit) = self
            .client
            .call::<ProductInfo>(Method::POST, "products", Some(body))
            .await?;
        product.rate_limit = rate_limit;
        Ok(product)
    }
}
