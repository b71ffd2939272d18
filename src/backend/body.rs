//! Request bodies that carry an image. The JSON around the image is built and serialized with
//! a placeholder where the image's base64 text goes, once per request shape (a run's requests
//! differ only in their image, so [`BodyMemo`] keeps the last shape's JSON and each request
//! adds its image). A small image goes as one buffer; a large one is base64-encoded chunk by
//! chunk while the body is sent, so a request holds one copy of it (the file's bytes, shared),
//! never a base64 string plus a serialized copy of it, which kept peak memory growing with
//! concurrency on large photos. The bytes sent are exactly what serializing the body with the
//! image inlined would give (tested). Never alters or logs the image.

use std::sync::{Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use futures_util::stream;
use serde_json::Value;

use super::types::ClassifyRequest;
use crate::domain::template::GenOptions;

/// Stands where the image's base64 text goes, inside any JSON string of the body.
pub(crate) const IMAGE_SLOT: &str = "\u{1}squint-image\u{1}";

/// Image bytes encoded per chunk (a multiple of 3, so no chunk but the last is padded).
const CHUNK: usize = 3 * 16 * 1024;

/// Images up to this size go in one buffer with the JSON around them (one write to the
/// socket); larger ones are streamed chunk by chunk.
const WHOLE_UP_TO: usize = CHUNK;

/// A body ready to send: its length and its bytes (whole or streamed).
pub(crate) struct ImageBody {
    /// Exact length in bytes, for `Content-Length`.
    pub(crate) len: u64,
    /// The body as a request body.
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

/// The serialized JSON around the image for the last request shape seen (one per server).
#[derive(Debug, Default)]
pub(crate) struct BodyMemo {
    last: Mutex<Option<Memo>>,
}

#[derive(Debug)]
struct Memo {
    shape: Shape,
    head: Bytes,
    tail: Option<Bytes>,
}

/// What the JSON around the image depends on: the request but for its image bytes, and
/// whether logprobs are asked for.
#[derive(Debug)]
struct Shape {
    model: String,
    system: Option<String>,
    prompt: String,
    mime: &'static str,
    options: GenOptions,
    constrained_labels: Option<Vec<String>>,
    logprobs: bool,
}

impl Shape {
    fn of(req: &ClassifyRequest, logprobs: bool) -> Shape {
        Shape {
            model: req.model.clone(),
            system: req.system.clone(),
            prompt: req.prompt.clone(),
            mime: req.image.mime,
            options: req.options.clone(),
            constrained_labels: req.constrained_labels.clone(),
            logprobs,
        }
    }

    fn matches(&self, req: &ClassifyRequest, logprobs: bool) -> bool {
        self.logprobs == logprobs
            && self.model == req.model
            && self.system == req.system
            && self.prompt == req.prompt
            && self.mime == req.image.mime
            && same_options(&self.options, &req.options)
            && self.constrained_labels == req.constrained_labels
    }
}

/// The same options to the bit (`==` takes -0.0 for 0.0, which serialize differently). Every
/// field is named, so a new option cannot be left out of the comparison.
fn same_options(a: &GenOptions, b: &GenOptions) -> bool {
    let GenOptions {
        temperature,
        seed,
        num_predict,
        top_k,
        top_p,
        num_ctx,
    } = a;
    let bits = |f: &Option<f64>| f.map(f64::to_bits);
    bits(temperature) == bits(&b.temperature)
        && *seed == b.seed
        && *num_predict == b.num_predict
        && *top_k == b.top_k
        && bits(top_p) == bits(&b.top_p)
        && *num_ctx == b.num_ctx
}

impl BodyMemo {
    /// The body of `req` (`logprobs`: whether they are asked for): `json` builds its JSON with
    /// [`IMAGE_SLOT`] where the image goes, only when the shape differs from the last one.
    pub(crate) fn body(
        &self,
        req: &ClassifyRequest,
        logprobs: bool,
        json: impl FnOnce() -> Value,
    ) -> ImageBody {
        let (head, tail) = self.around_image(req, logprobs, json);
        with_image(head, tail, req.image.bytes.clone())
    }

    fn around_image(
        &self,
        req: &ClassifyRequest,
        logprobs: bool,
        json: impl FnOnce() -> Value,
    ) -> (Bytes, Option<Bytes>) {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(memo) = last.as_ref().filter(|m| m.shape.matches(req, logprobs)) {
            return (memo.head.clone(), memo.tail.clone());
        }
        let (head, tail) = split(&json());
        *last = Some(Memo {
            shape: Shape::of(req, logprobs),
            head: head.clone(),
            tail: tail.clone(),
        });
        (head, tail)
    }
}

/// The body with `image` as base64 between `head` and `tail` (without a tail, `head` alone):
/// one buffer for a small image, else streamed.
fn with_image(head: Bytes, tail: Option<Bytes>, image: Bytes) -> ImageBody {
    if let Some(whole) = whole(&head, tail.as_ref(), &image) {
        return ImageBody {
            len: whole.len() as u64,
            body: reqwest::Body::from(whole),
        };
    }
    let (len, pieces) = pieces(head, tail, image);
    ImageBody {
        len,
        body: reqwest::Body::wrap_stream(stream::iter(pieces.map(Ok::<_, std::io::Error>))),
    }
}

/// The whole body in one buffer, when the image is small enough (or there is no slot).
fn whole(head: &Bytes, tail: Option<&Bytes>, image: &[u8]) -> Option<Bytes> {
    let Some(tail) = tail else {
        return Some(head.clone());
    };
    if image.len() > WHOLE_UP_TO {
        return None;
    }
    let mut buffer = Vec::with_capacity(head.len() + base64_len(image.len()) + tail.len());
    buffer.extend_from_slice(head);
    let at = buffer.len();
    buffer.resize(at + base64_len(image.len()), 0);
    let written = STANDARD.encode_slice(image, &mut buffer[at..]).ok()?;
    buffer.truncate(at + written);
    buffer.extend_from_slice(tail);
    Some(Bytes::from(buffer))
}

/// The body's exact length and its pieces, made lazily: the JSON before the slot, the image's
/// base64 text one chunk at a time, the JSON after.
fn pieces(
    head: Bytes,
    tail: Option<Bytes>,
    image: Bytes,
) -> (u64, impl Iterator<Item = Bytes> + Send + 'static) {
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

    /// What is sent streamed, and what is sent whole when the image is small enough.
    fn sent(body: &Value, image: &[u8]) -> (u64, Vec<u8>) {
        let (head, tail) = split(body);
        let (len, pieces) = pieces(head.clone(), tail.clone(), Bytes::from(image.to_vec()));
        let streamed: Vec<u8> = pieces.flat_map(|b| b.to_vec()).collect();
        if let Some(whole) = whole(&head, tail.as_ref(), image) {
            assert_eq!(
                whole.as_ref(),
                streamed.as_slice(),
                "whole and streamed differ"
            );
        }
        (len, streamed)
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
    fn small_images_go_whole_and_large_ones_streamed() {
        let (head, tail) = split(&json!({"images": [IMAGE_SLOT]}));
        assert!(whole(&head, tail.as_ref(), &[7; WHOLE_UP_TO]).is_some());
        assert!(whole(&head, tail.as_ref(), &[7; WHOLE_UP_TO + 1]).is_none());
    }

    fn request(prompt: &str, image: &'static [u8]) -> ClassifyRequest {
        ClassifyRequest {
            model: "m".into(),
            system: None,
            prompt: prompt.into(),
            image: crate::imaging::ImagePayload {
                bytes: Bytes::from_static(image),
                mime: "image/png",
            },
            options: GenOptions::default(),
            constrained_labels: None,
            logprobs: false,
        }
    }

    #[test]
    fn the_memo_builds_the_json_once_per_shape() {
        let memo = BodyMemo::default();
        let built = std::cell::Cell::new(0);
        let json = |req: &ClassifyRequest| {
            built.set(built.get() + 1);
            json!({"prompt": req.prompt, "images": [IMAGE_SLOT]})
        };
        let body = |req: &ClassifyRequest, logprobs: bool| {
            let sent = memo.body(req, logprobs, || json(req));
            sent.body.as_bytes().map(<[u8]>::to_vec)
        };
        let first = request("a", b"one");
        let expected = |req: &ClassifyRequest| {
            serde_json::to_vec(
                &json!({"prompt": req.prompt, "images": [STANDARD.encode(&req.image.bytes)]}),
            )
            .ok()
        };
        assert_eq!(body(&first, false), expected(&first));
        let second = request("a", b"two");
        assert_eq!(body(&second, false), expected(&second));
        assert_eq!(built.get(), 1, "the same shape reuses its JSON");
        let other = request("b", b"two");
        assert_eq!(body(&other, false), expected(&other));
        let _ = body(&other, true);
        assert_eq!(built.get(), 3, "a new prompt or logprobs builds it again");
        let mut warm = request("b", b"two");
        warm.options.temperature = Some(0.0);
        let _ = body(&warm, true);
        warm.options.temperature = Some(-0.0);
        let _ = body(&warm, true);
        assert_eq!(built.get(), 5, "-0.0 is not 0.0 on the wire");
    }

    #[test]
    fn a_body_without_a_slot_goes_as_it_is() {
        let body = json!({"model": "m"});
        let (len, bytes) = sent(&body, b"ignored");
        assert_eq!(bytes, serde_json::to_vec(&body).unwrap());
        assert_eq!(len, bytes.len() as u64);
    }
}
