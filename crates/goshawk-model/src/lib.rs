//! The model file format. A trained model must survive being copied between machines, must not
//! be able to run code when loaded (the system goshawk replaces shipped a pickle, which can), and
//! must fail loudly when it is corrupt, truncated, foreign, or meant for another kind of data.
//!
//! Layout (all integers little-endian):
//!
//! | bytes | content |
//! | --- | --- |
//! | 8 | magic `GSHKMODL` |
//! | 2 | format version (currently 1) |
//! | 4 | header length `h` |
//! | h | header: UTF-8 JSON ([`ModelHeader`]: kind, schema, metadata) — readable with `head -c` |
//! | 8 | payload length `p` |
//! | p | payload: the model's parameters, [postcard](https://docs.rs/postcard)-encoded plain data |
//! | 32 | SHA-256 of every byte before it |
//!
//! Postcard decodes into plain structs only (numbers, strings, vectors): there is no way for a file
//! to name a type or a function, so loading is data parsing and nothing else.

use std::path::{Path, PathBuf};

use serde::{de::DeserializeOwned, Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// First bytes of every model file.
pub const MAGIC: &[u8; 8] = b"GSHKMODL";
/// The container version this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;
const CHECKSUM_LEN: usize = 32;

/// Why a model file could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("not a goshawk model file (bad magic bytes)")]
    NotAModel,
    #[error("model file format version {found} is not supported (this build reads version {FORMAT_VERSION})")]
    UnsupportedVersion { found: u16 },
    #[error("model file is truncated: {0}")]
    Truncated(&'static str),
    #[error("model file is corrupt: checksum mismatch")]
    ChecksumMismatch,
    #[error("model file holds a '{found}' model, but a '{expected}' model is needed here")]
    WrongKind { expected: String, found: String },
    #[error("model file header is invalid: {0}")]
    Header(String),
    #[error("model file payload is invalid: {0}")]
    Payload(String),
}

/// Readable description of a model: what it is for and how it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelHeader {
    /// Model kind, e.g. `web-linear`, `iforest-sessions`. Loading checks it.
    pub kind: String,
    /// The feature schema the model expects (names, transforms, hashing parameters).
    pub schema: serde_json::Value,
    /// How the model was trained: data, parameters, seed, figures, tool version.
    pub metadata: serde_json::Value,
}

/// Encodes a model into the file format.
pub fn to_bytes<T: Serialize>(
    header: &ModelHeader,
    payload: &T,
) -> Result<Vec<u8>, ModelFileError> {
    let header_json =
        serde_json::to_vec(header).map_err(|e| ModelFileError::Header(e.to_string()))?;
    let payload_bytes =
        postcard::to_stdvec(payload).map_err(|e| ModelFileError::Payload(e.to_string()))?;
    let mut out = Vec::with_capacity(8 + 2 + 4 + header_json.len() + 8 + payload_bytes.len() + 32);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    let header_len =
        u32::try_from(header_json.len()).map_err(|_| ModelFileError::Header("too large".into()))?;
    out.extend_from_slice(&header_len.to_le_bytes());
    out.extend_from_slice(&header_json);
    out.extend_from_slice(&(payload_bytes.len() as u64).to_le_bytes());
    out.extend_from_slice(&payload_bytes);
    let digest = Sha256::digest(&out);
    out.extend_from_slice(&digest);
    Ok(out)
}

/// Splits a file into its verified header and raw payload bytes.
fn split(bytes: &[u8]) -> Result<(ModelHeader, &[u8]), ModelFileError> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(ModelFileError::NotAModel);
    }
    let mut pos = MAGIC.len();
    let take = |pos: &mut usize, n: usize, what: &'static str| -> Result<&[u8], ModelFileError> {
        let end = pos.checked_add(n).ok_or(ModelFileError::Truncated(what))?;
        let s = bytes
            .get(*pos..end)
            .ok_or(ModelFileError::Truncated(what))?;
        *pos = end;
        Ok(s)
    };
    let version = u16::from_le_bytes(take(&mut pos, 2, "format version")?.try_into().unwrap());
    if version != FORMAT_VERSION {
        return Err(ModelFileError::UnsupportedVersion { found: version });
    }
    let header_len = u32::from_le_bytes(take(&mut pos, 4, "header length")?.try_into().unwrap());
    let header_bytes = take(&mut pos, header_len as usize, "header")?;
    let payload_len = u64::from_le_bytes(take(&mut pos, 8, "payload length")?.try_into().unwrap());
    let payload_len =
        usize::try_from(payload_len).map_err(|_| ModelFileError::Truncated("payload"))?;
    let payload = take(&mut pos, payload_len, "payload")?;
    let stored = take(&mut pos, CHECKSUM_LEN, "checksum")?;
    if pos != bytes.len() {
        return Err(ModelFileError::Payload(format!(
            "{} unexpected bytes after the checksum",
            bytes.len() - pos
        )));
    }
    if Sha256::digest(&bytes[..pos - CHECKSUM_LEN]).as_slice() != stored {
        return Err(ModelFileError::ChecksumMismatch);
    }
    let header: ModelHeader =
        serde_json::from_slice(header_bytes).map_err(|e| ModelFileError::Header(e.to_string()))?;
    Ok((header, payload))
}

/// Reads only the header (after verifying the whole file), to dispatch on the model kind.
pub fn peek_header(bytes: &[u8]) -> Result<ModelHeader, ModelFileError> {
    split(bytes).map(|(h, _)| h)
}

/// Decodes a model, checking magic, version, checksum and, if given, the kind.
pub fn from_bytes<T: DeserializeOwned>(
    bytes: &[u8],
    expected_kind: Option<&str>,
) -> Result<(ModelHeader, T), ModelFileError> {
    let (header, payload) = split(bytes)?;
    if let Some(expected) = expected_kind {
        if header.kind != expected {
            return Err(ModelFileError::WrongKind {
                expected: expected.to_string(),
                found: header.kind,
            });
        }
    }
    let model =
        postcard::from_bytes(payload).map_err(|e| ModelFileError::Payload(e.to_string()))?;
    Ok((header, model))
}

/// Writes a model file atomically (temporary file, then rename), so a crash never leaves half a
/// model where a good one was.
pub fn write<T: Serialize>(
    path: &Path,
    header: &ModelHeader,
    payload: &T,
) -> Result<(), ModelFileError> {
    let bytes = to_bytes(header, payload)?;
    let io = |source| ModelFileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let tmp = path.with_extension("tmp-write");
    std::fs::write(&tmp, &bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// Reads the raw bytes of a model file.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, ModelFileError> {
    std::fs::read(path).map_err(|source| ModelFileError::Io {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Toy {
        weights: Vec<f32>,
        name: String,
    }

    fn sample() -> (ModelHeader, Toy) {
        (
            ModelHeader {
                kind: "toy".into(),
                schema: serde_json::json!({"features": ["a", "b"]}),
                metadata: serde_json::json!({"seed": 7}),
            },
            Toy {
                weights: vec![0.5, -1.25, 3.0],
                name: "t".into(),
            },
        )
    }

    #[test]
    fn round_trips_through_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.gsk");
        let (h, t) = sample();
        write(&path, &h, &t).unwrap();
        let (h2, t2): (ModelHeader, Toy) =
            from_bytes(&read_bytes(&path).unwrap(), Some("toy")).unwrap();
        assert_eq!(h, h2);
        assert_eq!(t, t2);
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let (h, t) = sample();
        let bytes = to_bytes(&h, &t).unwrap();
        for cut in 0..bytes.len() {
            let r = from_bytes::<Toy>(&bytes[..cut], None);
            assert!(r.is_err(), "cut at {cut} was accepted");
        }
    }

    #[test]
    fn flipped_bits_fail_the_checksum() {
        let (h, t) = sample();
        let bytes = to_bytes(&h, &t).unwrap();
        for i in [20, bytes.len() / 2, bytes.len() - 40, bytes.len() - 1] {
            let mut b = bytes.clone();
            b[i] ^= 0x10;
            assert!(from_bytes::<Toy>(&b, None).is_err(), "flip at {i} accepted");
        }
        let mut b = bytes.clone();
        b[bytes.len() - 36] ^= 1; // inside the payload
        assert!(matches!(
            from_bytes::<Toy>(&b, None),
            Err(ModelFileError::ChecksumMismatch)
        ));
    }

    #[test]
    fn foreign_and_wrong_kind_files_are_named() {
        assert!(matches!(
            from_bytes::<Toy>(b"\x80\x04\x95pickle", None),
            Err(ModelFileError::NotAModel)
        ));
        let (h, t) = sample();
        let bytes = to_bytes(&h, &t).unwrap();
        let err = from_bytes::<Toy>(&bytes, Some("web-linear")).unwrap_err();
        assert!(err.to_string().contains("'toy' model"), "{err}");
        let mut future = bytes.clone();
        future[8] = 9;
        assert!(matches!(
            from_bytes::<Toy>(&future, None),
            Err(ModelFileError::UnsupportedVersion { found: 9 })
        ));
    }
}
