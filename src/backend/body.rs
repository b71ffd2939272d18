//! Request bodies that carry an image. The JSON around the image is built and serialized as
//! usual with a placeholder where the image's base64 text goes; the base64 text is then made
//! chunk by chunk while the body is sent. A request so holds one copy of the image (the file's
//! bytes, shared), never a base64 string plus a serialized copy of it, which kept peak memory
//! growing with concurrency on large photos. The bytes sent are exactly what serializing the
//! body with the image inlined would give (tested). Never alters or logs the image.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use futures_util::stream;
use serde_json::Value;

/// Stands where the image's base64 text goes, inside any JSON string of the body.
pub(crate) const IMAGE_SLOT: &str = "\u{1}squint-image\u{1}";

/// Image bytes encoded per chunk (a multiple of 3, so no chunk but the last is padded).
const CHUNK: usize = 3 * 16 * 1024;

/// A body ready to send: its length and the stream of its pieces.
pub(crate) struct ImageBody {
    /// Exact length in bytes, for `Content-Length`.
    pub(crate) len: u64,
    /// The body as a request body (streamed).
    pub(crate) body: reqwest::Body,
}

impl ImageBody {
    /// Puts the body on `request` with its JSON content type and exact length.
    pub(crate) fn attach(self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::CONTENT_LENGTH, self.len)
            .body(self.body)
    }
}

/// Splits the serialized `body` at the [`IMAGE_SLOT`] and streams `image` as base64 into it.
/// A body without the slot is sent as it is.
pub(crate) fn with_image(body: &Value, image: Bytes) -> ImageBody {
    let (len, pieces) = pieces(body, image);
    ImageBody {
        len,
        body: reqwest::Body::wrap_stream(stream::iter(pieces.map(Ok::<_, std::io::Error>))),
    }
}

/// The body's exact length and its pieces, made lazily: the JSON before the slot, the image's
/// base64 text one chunk at a time, the JSON after.
fn pieces(body: &Value, image: Bytes) -> (u64, impl Iterator<Item = Bytes> + Send + 'static) {
    let (head, tail) = split(body);
    let encoded_len = if tail.is_some() {
        base64_len(image.len())
    } else {
        0
    };
    let len = (head.len() + encoded_len + tail.as_ref().map_or(0, Bytes::len)) as u64;
    let chunks = tail
        .is_some()
        .then(|| (0..image.len()).step_by(CHUNK))
        .into_iter()
        .flatten()
        .map(move |at| {
            let end = (at + CHUNK).min(image.len());
            Bytes::from(STANDARD.encode(&image[at..end]))
        });
    (len, std::iter::once(head).chain(chunks).chain(tail))
}

/// The serialized body before and after the slot (`None` after when there is no slot).
fn split(body: &Value) -> (Bytes, Option<Bytes>) {
    let json = serde_json::to_vec(body).unwrap_or_default();
    let slot = serde_json::to_string(IMAGE_SLOT).unwrap_or_default();
    let slot = slot.trim_matches('"').as_bytes();
    match json.windows(slot.len()).position(|w| w == slot) {
        Some(at) => {
            let json = Bytes::from(json);
            (json.slice(..at), Some(json.slice(at + slot.len()..)))
        }
        None => (Bytes::from(json), None),
    }
}

/// Length of the padded base64 text of `n` bytes.
fn base64_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sent(body: &Value, image: &[u8]) -> (u64, Vec<u8>) {
        let (len, pieces) = pieces(body, Bytes::from(image.to_vec()));
        (len, pieces.flat_map(|b| b.to_vec()).collect())
    }

    #[test]
    fn the_streamed_body_is_the_inlined_json_byte_for_byte() {
        for size in [0usize, 1, 2, 3, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 2] {
            let image: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
            let body = |text: &str| json!({"model": "m", "messages": [{"content": "p\"q\u{1}", "images": [text]}]});
            let expected = serde_json::to_vec(&body(&STANDARD.encode(&image))).unwrap();
            let (len, bytes) = sent(&body(IMAGE_SLOT), &image);
            assert_eq!(len, expected.len() as u64, "size {size}");
            assert_eq!(bytes, expected, "size {size}");
        }
    }

    #[test]
    fn a_slot_inside_a_data_url_is_filled() {
        let image = b"\x89PNG tiny";
        let url = |text: &str| json!({"url": format!("data:image/png;base64,{text}")});
        let expected = serde_json::to_vec(&url(&STANDARD.encode(image))).unwrap();
        let (len, bytes) = sent(&url(IMAGE_SLOT), image);
        assert_eq!((len, bytes), (expected.len() as u64, expected));
    }

    #[test]
    fn a_body_without_a_slot_goes_as_it_is() {
        let body = json!({"model": "m"});
        let (len, bytes) = sent(&body, b"ignored");
        assert_eq!(bytes, serde_json::to_vec(&body).unwrap());
        assert_eq!(len, bytes.len() as u64);
    }
}
