#!/usr/bin/env node
// An independent verifier for Licenz artefacts, written against the standards and the published format only:
// `jose` checks license files (JWS, and JWE around it), `http-message-signatures` checks signed verify
// responses (RFC 9421), Node's crypto does HKDF and the Content-Digest (RFC 9530). It trusts nothing but the JWKS.
//
// Input (stdin, or the file named as the first argument): one job, or an array of jobs:
//   {
//     "name": "plain",                       // echoed in the output
//     "jwks": { "keys": [ ... ] },           // the server's /.well-known/jwks.json
//     "now": "2026-01-15T10:30:00Z",         // the time to check exp/iat/created against (default: the clock)
//     "licenseFile": "-----BEGIN LICENZ LICENSE-----\n...",   // optional
//     "licenseId": "lic_...", "licenseKey": "LIC-...", "productId": "prod_...",  // expected claims (optional;
//                                            //   licenseKey is required to open an encrypted file)
//     "fingerprint": "...",                  // the machine's fingerprint, for a bound file
//     "response": { "status": 200, "headers": { "signature": "...", ... }, "bodyBase64": "..." },  // optional
//     "nonce": "..."                         // the nonce the request sent (required with "response")
//   }
// Output: one JSON line per job, in order: {"name", "ok", "licenseFile": {...}|null, "response": {...}|null}.
// Exit code: 0 when every job verified, 1 when any did not, 2 when the input itself is unusable.

import { createHash, createPublicKey, hkdfSync, timingSafeEqual, verify as cryptoVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { compactDecrypt, createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { httpbis } from 'http-message-signatures';
import { parseDictionary } from 'structured-headers';

const BEGIN = '-----BEGIN LICENZ LICENSE-----';
const END = '-----END LICENZ LICENSE-----';
const JWS_TYPE = 'licenz-license+jwt';
const KDF_SALT = 'licenz/license-file/v1';
const KDF_INFO = 'A256GCM';
const LABEL = 'licenz';
const COVERED = ['@status', 'content-digest', 'date'];

class Rejected extends Error {}

function check(condition, message) {
  if (!condition) {
    throw new Rejected(message);
  }
}

function timeOf(job) {
  const now = job.now === undefined ? new Date() : new Date(job.now);
  check(!Number.isNaN(now.getTime()), `"now" is not a time: ${job.now}`);
  return now;
}

// The armor: BEGIN line, the token in lines of base64url characters and dots, END line (LF or CRLF).
function unarmor(text) {
  check(typeof text === 'string', 'licenseFile is not a string');
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines[lines.length - 1] === '') {
    lines.pop();
  }
  check(lines.length >= 3 && lines[0] === BEGIN && lines[lines.length - 1] === END, 'not armored as a Licenz license');
  const body = lines.slice(1, -1);
  check(body.every((line) => /^[A-Za-z0-9_.-]{1,64}$/.test(line)), 'the armored body holds characters outside base64url');
  return body.join('');
}

async function verifyLicenseFile(job, now) {
  const result = { ok: false, encrypted: false, bound: false };
  try {
    let token = unarmor(job.licenseFile);
    const segments = token.split('.');
    if (segments.length === 5) {
      // Compact JWE (RFC 7516): alg dir, enc A256GCM, content key = HKDF-SHA256(license key [+ "\n" + fingerprint]).
      result.encrypted = true;
      const header = decodeProtectedHeader(token);
      check(header.alg === 'dir' && header.enc === 'A256GCM', `unexpected JWE header ${JSON.stringify(header)}`);
      check(header.licenz_bound === undefined || header.licenz_bound === true, 'licenz_bound must be true when present');
      result.bound = header.licenz_bound === true;
      check(typeof job.licenseKey === 'string', 'an encrypted file needs the license key');
      check(!result.bound || typeof job.fingerprint === 'string', 'a bound file needs the machine fingerprint');
      const material = result.bound ? `${job.licenseKey}\n${job.fingerprint}` : job.licenseKey;
      const key = new Uint8Array(hkdfSync('sha256', Buffer.from(material, 'utf8'), Buffer.from(KDF_SALT, 'utf8'), Buffer.from(KDF_INFO, 'utf8'), 32));
      const { plaintext, protectedHeader } = await compactDecrypt(token, key, {
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      check(protectedHeader.cty === 'JWT', `a nested JWT's JWE header says cty "JWT" (RFC 7519 §5.2), not ${protectedHeader.cty}`);
      token = new TextDecoder('utf-8', { fatal: true }).decode(plaintext);
      check(token.split('.').length === 3, 'the decrypted content is not a compact JWS');
    } else {
      check(segments.length === 3, `a compact JWS has 3 parts, a compact JWE 5; this has ${segments.length}`);
    }

    // Compact JWS (RFC 7515) with EdDSA, verified against the JWKS alone; exp/iat checked at "now".
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(job.jwks), {
      algorithms: ['EdDSA'],
      typ: JWS_TYPE,
      currentDate: now,
      requiredClaims: ['iss', 'sub', 'iat', 'exp', 'jti'],
      ...(job.licenseId === undefined ? {} : { subject: job.licenseId }),
    });
    check(protectedHeader.alg === 'EdDSA' && protectedHeader.typ === JWS_TYPE, `unexpected JWS header ${JSON.stringify(protectedHeader)}`);
    check(typeof protectedHeader.kid === 'string' && protectedHeader.kid.length > 0, 'the JWS header names no kid');
    result.kid = protectedHeader.kid;

    const license = payload.license;
    check(license !== null && typeof license === 'object' && !Array.isArray(license), 'the claims hold no license object');
    for (const field of ['id', 'key', 'product_id', 'type', 'status']) {
      check(typeof license[field] === 'string' && license[field].length > 0, `license.${field} is missing`);
    }
    check(Array.isArray(license.entitlements), 'license.entitlements is not an array');
    check(license.metadata !== null && typeof license.metadata === 'object' && !Array.isArray(license.metadata), 'license.metadata is not an object');
    check(license.expires_at === null || license.expires_at === undefined || !Number.isNaN(Date.parse(license.expires_at)), 'license.expires_at is not a time');
    check(payload.sub === license.id, `sub ${payload.sub} is not the license id ${license.id}`);
    check(job.licenseKey === undefined || license.key === job.licenseKey, 'the file is for another license key');
    check(job.productId === undefined || license.product_id === job.productId, 'the file is for another product');
    if (license.fingerprint !== undefined && license.fingerprint !== null) {
      check(license.fingerprint === job.fingerprint, 'the file is bound to another machine');
      check(license.machine === undefined || (typeof license.machine === 'object' && typeof license.machine.id === 'string'), 'license.machine has no id');
    }
    for (const field of ['grace_period', 'check_in_interval']) {
      check(license[field] === undefined || license[field] === null || (Number.isInteger(license[field]) && license[field] >= 0), `license.${field} is not a number of seconds`);
    }
    check(!result.bound || license.fingerprint === job.fingerprint, 'an encrypted bound file must name its fingerprint');

    Object.assign(result, {
      ok: true,
      alg: protectedHeader.alg,
      typ: protectedHeader.typ,
      iss: payload.iss,
      sub: payload.sub,
      iat: payload.iat,
      exp: payload.exp,
      licenseKey: license.key,
      productId: license.product_id,
      status: license.status,
      fingerprint: license.fingerprint ?? null,
      entitlements: license.entitlements,
      machineId: license.machine?.id ?? null,
      fingerprintMatching: license.fingerprint_matching ?? null,
      gracePeriod: license.grace_period ?? null,
      checkInInterval: license.check_in_interval ?? null,
    });
  } catch (error) {
    result.error = describe(error);
  }
  return result;
}

function headerValue(headers, name) {
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  if (entry === undefined) {
    return undefined;
  }
  return Array.isArray(entry[1]) ? entry[1].join(', ') : entry[1];
}

// The Ed25519 key of the JWKS with this kid, as http-message-signatures wants it.
function keyLookup(jwks) {
  return async (parameters) => {
    const jwk = (jwks.keys ?? []).find((k) => k.kid === parameters.keyid);
    if (jwk === undefined || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || parameters.alg !== 'ed25519') {
      return null;
    }
    const key = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, format: 'jwk' });
    return {
      id: jwk.kid,
      algs: ['ed25519'],
      verify: async (data, signature) => cryptoVerify(null, data, key, signature),
    };
  };
}

async function verifyResponse(job, now) {
  const result = { ok: false };
  try {
    const { status, headers, bodyBase64 } = job.response;
    check(Number.isInteger(status) && headers !== null && typeof headers === 'object' && typeof bodyBase64 === 'string', 'response needs status, headers and bodyBase64');
    check(typeof job.nonce === 'string', 'the expected nonce is missing');
    const body = Buffer.from(bodyBase64, 'base64');

    // Content-Digest (RFC 9530): a Structured Field dictionary; sha-256 must be the body's digest.
    const digestHeader = headerValue(headers, 'content-digest');
    check(digestHeader !== undefined, 'no Content-Digest header');
    const digest = parseDictionary(digestHeader).get('sha-256');
    check(digest !== undefined && digest[0] instanceof ArrayBuffer, 'Content-Digest has no sha-256 byte sequence');
    const expected = createHash('sha256').update(body).digest();
    const stated = Buffer.from(digest[0]);
    check(stated.length === expected.length && timingSafeEqual(stated, expected), 'the body does not match its Content-Digest');

    // The signature's parameters, as the signer stated them.
    const inputHeader = headerValue(headers, 'signature-input');
    check(inputHeader !== undefined && headerValue(headers, 'signature') !== undefined, 'no Signature-Input / Signature header');
    const input = parseDictionary(inputHeader).get(LABEL);
    check(Array.isArray(input) && Array.isArray(input[0]), `no inner list labelled "${LABEL}" in Signature-Input`);
    const parameters = input[1];
    result.keyid = parameters.get('keyid') ?? null;
    result.alg = parameters.get('alg') ?? null;
    result.nonce = parameters.get('nonce') ?? null;
    result.created = parameters.get('created') ?? null;

    // RFC 9421 §3.2: rebuild the signature base from the message and check it with the JWKS key.
    const verified = await httpbis.verifyMessage({
      keyLookup: keyLookup(job.jwks),
      requiredFields: COVERED,
      requiredParams: ['created', 'keyid', 'alg', 'nonce'],
      notAfter: now,
      tolerance: 60,
      all: true,
    }, { status, headers });
    check(verified === true, 'the signature does not verify');

    // The nonce: signed as a parameter, and echoed in the body.
    check(result.nonce === job.nonce, 'the signed nonce is not the one this request sent: a replay');
    const parsed = JSON.parse(body.toString('utf8'));
    check(parsed?.data?.nonce === job.nonce, 'the body answers another nonce');
    Object.assign(result, { ok: true, valid: parsed.data.valid, code: parsed.data.code });
  } catch (error) {
    result.error = describe(error);
  }
  return result;
}

function describe(error) {
  return error instanceof Rejected ? error.message : `${error?.name ?? 'Error'}: ${error?.code ? `${error.code}: ` : ''}${error?.message ?? error}`;
}

async function run(job) {
  const now = timeOf(job);
  const licenseFile = job.licenseFile === undefined ? null : await verifyLicenseFile(job, now);
  const response = job.response === undefined ? null : await verifyResponse(job, now);
  const ok = (licenseFile !== null || response !== null) && (licenseFile?.ok ?? true) && (response?.ok ?? true);
  return { name: job.name ?? null, ok, licenseFile, response };
}

async function main() {
  let jobs;
  try {
    const text = readFileSync(process.argv[2] ?? 0, 'utf8');
    const input = JSON.parse(text);
    jobs = Array.isArray(input) ? input : [input];
    for (const job of jobs) {
      check(job !== null && typeof job === 'object' && job.jwks !== null && typeof job.jwks === 'object', 'each job needs a "jwks" object');
    }
  } catch (error) {
    process.stderr.write(`verify.mjs: unusable input: ${describe(error)}\n`);
    return 2;
  }

  let allOk = true;
  for (const job of jobs) {
    let result;
    try {
      result = await run(job);
    } catch (error) {
      result = { name: job.name ?? null, ok: false, licenseFile: null, response: null, error: describe(error) };
    }
    allOk &&= result.ok;
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
  return allOk ? 0 : 1;
}

process.exitCode = await main();
