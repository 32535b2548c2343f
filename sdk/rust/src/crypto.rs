//! The primitives, on `ring`: SHA-256, HMAC-SHA256, HKDF-SHA256, AES-256-GCM and Ed25519 verification.

use ring::{aead, digest, hmac, signature};

pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest::digest(&digest::SHA256, data).as_ref());
    out
}

pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data).as_ref());
    out
}

/// HKDF-SHA256 (RFC 5869) for one block of output: 32 bytes.
pub(crate) fn hkdf_sha256_32(ikm: &[u8], salt: &[u8], info: &[u8]) -> [u8; 32] {
    let prk = hmac_sha256(salt, ikm);
    let mut block = info.to_vec();
    block.push(1);
    hmac_sha256(&prk, &block)
}

/// Compares in time independent of where the inputs differ.
pub(crate) fn fixed_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && ring::constant_time::verify_slices_are_equal(a, b).is_ok()
}

/// AES-256-GCM decryption with a 96-bit IV and a 128-bit tag; `None` when the tag does not hold.
pub(crate) fn aes256gcm_open(
    key: &[u8; 32],
    iv: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
    aad: &[u8],
) -> Option<Vec<u8>> {
    let unbound = aead::UnboundKey::new(&aead::AES_256_GCM, key).ok()?;
    let key = aead::LessSafeKey::new(unbound);
    let nonce = aead::Nonce::try_assume_unique_for_key(iv).ok()?;
    let mut buffer = Vec::with_capacity(ciphertext.len() + tag.len());
    buffer.extend_from_slice(ciphertext);
    buffer.extend_from_slice(tag);
    let length = key
        .open_in_place(nonce, aead::Aad::from(aad), &mut buffer)
        .ok()?
        .len();
    buffer.truncate(length);
    Some(buffer)
}

/// The encodings of the points of small order (libsodium's list), compared without the sign bit.
const SMALL_ORDER: [[u8; 32]; 7] = [
    // 0 (order 4)
    [0; 32],
    // 1 (order 1)
    [
        1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0,
    ],
    // order 8
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x05,
    ],
    // order 8
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ],
    // p - 1 (order 2)
    [
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
    // p (= 0, order 4), not canonical
    [
        0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
    // p + 1 (= 1, order 1), not canonical
    [
        0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
];

/// Whether a point encoding is one of small order (sign bit ignored), as libsodium's `ge25519_has_small_order`.
pub(crate) fn has_small_order(point: &[u8]) -> bool {
    point.len() == 32
        && SMALL_ORDER
            .iter()
            .any(|bad| bad[..31] == point[..31] && bad[31] == point[31] & 0x7f)
}

/// Whether the y coordinate of a point encoding is below the field's prime (libsodium's `ge25519_is_canonical`).
pub(crate) fn is_canonical_point(point: &[u8]) -> bool {
    !(point.len() == 32
        && point[31] & 0x7f == 0x7f
        && point[1..31].iter().all(|&b| b == 0xff)
        && point[0] >= 0xed)
}

/// Verifies an Ed25519 (RFC 8032) signature as libsodium does: the key and the signature's `R` must not be points of
/// small order, nor the key a non-canonical encoding, so a small-order key (which lax verifiers let verify forged
/// signatures: `ring` alone accepts them) verifies nothing.
pub(crate) fn ed25519_verify(public_key: &[u8; 32], message: &[u8], sig: &[u8]) -> bool {
    sig.len() == 64
        && is_canonical_point(public_key)
        && !has_small_order(public_key)
        && !has_small_order(&sig[..32])
        && signature::UnparsedPublicKey::new(&signature::ED25519, public_key)
            .verify(message, sig)
            .is_ok()
}

/// Fills `buffer` with random bytes from the system's generator.
pub(crate) fn random(buffer: &mut [u8]) -> bool {
    use ring::rand::SecureRandom;
    ring::rand::SystemRandom::new().fill(buffer).is_ok()
}
