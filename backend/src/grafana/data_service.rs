//! The `pluginv2.Data` gRPC service, answering QueryData straight from the frames' own buffers: the
//! response body is a list of pieces (the protobuf and gRPC headers written here, each Arrow file's
//! column buffers as the frames held them) sent with vectored writes, so an answer is never copied
//! into one message buffer. tonic's generated `DataServer` encodes the whole message into one buffer
//! first: for a 5,000-line answer that is 1.6 MiB more to allocate, touch and copy on every query.
//! Same protocol and wire bytes; requests are decoded with prost as tonic does.

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Buf;
use grafana_plugin_sdk::pluginv2::QueryDataRequest;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame as BodyFrame;
use prost::Message;
use prost::encoding::{WireType, encode_key, encode_varint, encoded_len_varint};
use tonic::Status;
use tonic::codegen::{Body, BoxFuture, StdError, empty_body, http};

use super::data::QueryAnswer;
use crate::frames::arrow::Chunks;

const QUERY_DATA: &str = "/pluginv2.Data/QueryData";

/// What answers QueryData (the plugin).
pub trait AnswerQueries: Send + Sync + 'static {
    fn answer_queries(
        &self,
        request: QueryDataRequest,
    ) -> impl Future<Output = Vec<QueryAnswer>> + Send;
}

/// Serves `/pluginv2.Data/QueryData` for `T`.
#[derive(Debug)]
pub struct DataService<T> {
    inner: Arc<T>,
}

impl<T> DataService<T> {
    pub fn from_arc(inner: Arc<T>) -> Self {
        DataService { inner }
    }
}

impl<T> Clone for DataService<T> {
    fn clone(&self) -> Self {
        DataService {
            inner: self.inner.clone(),
        }
    }
}

impl<T> tonic::server::NamedService for DataService<T> {
    const NAME: &'static str = "pluginv2.Data";
}

impl<T, B> tonic::codegen::Service<http::Request<B>> for DataService<T>
where
    T: AnswerQueries,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::BoxBody>;
    type Error = std::convert::Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        if req.uri().path() == QUERY_DATA {
            let inner = self.inner.clone();
            return Box::pin(async move {
                Ok(match read_request(req).await {
                    Ok(request) => respond(inner.answer_queries(request).await),
                    Err(status) => status.into_http(),
                })
            });
        }
        Box::pin(async move {
            let mut response = http::Response::new(empty_body());
            response.headers_mut().insert(
                "grpc-status",
                http::HeaderValue::from(tonic::Code::Unimplemented as i32),
            );
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                tonic::metadata::GRPC_CONTENT_TYPE,
            );
            Ok(response)
        })
    }
}

/// The request's one gRPC message (uncompressed: Grafana does not compress, and neither side
/// negotiated it), decoded with prost.
async fn read_request<B>(req: http::Request<B>) -> Result<QueryDataRequest, Status>
where
    B: Body,
    B::Error: Into<StdError>,
{
    let (parts, body) = req.into_parts();
    if let Some(encoding) = parts.headers.get("grpc-encoding")
        && encoding != "identity"
    {
        return Err(Status::unimplemented(format!(
            "request compression {encoding:?} is not supported"
        )));
    }
    let mut body = body
        .collect()
        .await
        .map_err(|e| Status::internal(format!("reading the request: {}", e.into())))?
        .aggregate();
    if body.remaining() < 5 {
        return Err(Status::internal("the request has no gRPC message"));
    }
    let compressed = body.get_u8();
    let len = body.get_u32() as usize;
    if compressed != 0 {
        return Err(Status::unimplemented(
            "compressed requests are not supported",
        ));
    }
    if body.remaining() != len {
        return Err(Status::internal(format!(
            "the request's message is {} bytes, its header says {len}",
            body.remaining()
        )));
    }
    QueryDataRequest::decode(body)
        .map_err(|e| Status::internal(format!("decoding the request: {e}")))
}

/// A gRPC response whose body is the message's pieces, then the `grpc-status: 0` trailers.
fn respond(answers: Vec<QueryAnswer>) -> http::Response<tonic::body::BoxBody> {
    let message = response_message(answers);
    let Ok(len) = u32::try_from(message.len()) else {
        return Status::resource_exhausted("the answer is over 4 GiB").into_http();
    };
    let mut body = Chunks::default();
    body.put(&[0]);
    body.put(&len.to_be_bytes());
    body.append(message);
    let mut trailers = http::HeaderMap::new();
    trailers.insert("grpc-status", http::HeaderValue::from_static("0"));
    // HTTP/2 sends every body chunk as at least one DATA frame, and every chunk costs the stream a
    // turn on the connection: hundreds of small pieces per answer cut throughput under load by a
    // tenth and tripled p99 (the load test), so small pieces go out merged into chunks of at least
    // four default frames (64 KiB: 16 KiB gave 735 queries/s and p99 707 ms, 64 KiB 774/s and
    // 534 ms); big column buffers still go out as they are.
    let frames = body
        .into_pieces_of_at_least(64 * 1024)
        .into_iter()
        .map(|piece| Ok::<_, std::convert::Infallible>(BodyFrame::data(piece)))
        .chain(std::iter::once(Ok(BodyFrame::trailers(trailers))));
    let body = StreamBody::new(futures_util::stream::iter(frames));
    let mut response = http::Response::new(tonic::body::boxed(body));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        tonic::metadata::GRPC_CONTENT_TYPE,
    );
    response
}

/// `QueryDataResponse` in protobuf (field 1: `map<string, DataResponse>`, one entry per answer),
/// the frames' pieces moved in (the same bytes prost writes for the same message).
pub fn response_message(answers: Vec<QueryAnswer>) -> Chunks {
    let mut out = Chunks::default();
    let mut head = Vec::with_capacity(32);
    for answer in answers {
        let frames_len: usize = answer
            .frames
            .iter()
            .map(|f| 1 + encoded_len_varint(f.len() as u64) + f.len())
            .sum();
        let rest = rest_of(&answer);
        // Like prost: a default key or value is left out of its map entry.
        let value_len = frames_len + rest.len();
        let key_len = if answer.ref_id.is_empty() {
            0
        } else {
            prost::encoding::string::encoded_len(1, &answer.ref_id)
        };
        let value_field_len = if value_len == 0 {
            0
        } else {
            1 + encoded_len_varint(value_len as u64) + value_len
        };
        head.clear();
        encode_key(1, WireType::LengthDelimited, &mut head);
        encode_varint((key_len + value_field_len) as u64, &mut head);
        if !answer.ref_id.is_empty() {
            prost::encoding::string::encode(1, &answer.ref_id, &mut head);
        }
        if value_len > 0 {
            encode_key(2, WireType::LengthDelimited, &mut head);
            encode_varint(value_len as u64, &mut head);
        }
        out.put(&head);
        for frame in answer.frames {
            head.clear();
            encode_key(1, WireType::LengthDelimited, &mut head);
            encode_varint(frame.len() as u64, &mut head);
            out.put(&head);
            out.append(frame.into_chunks());
        }
        out.put(&rest);
    }
    out
}

/// The fields of a `DataResponse` other than its frames (`error`, `status`), in protobuf.
fn rest_of(answer: &QueryAnswer) -> Vec<u8> {
    let mut out = Vec::new();
    if !answer.error.is_empty() {
        prost::encoding::string::encode(2, &answer.error, &mut out);
    }
    if answer.status != 0 {
        prost::encoding::int32::encode(4, &answer.status, &mut out);
    }
    out
}

/// The response's bytes as one buffer (tests).
#[cfg(test)]
fn collect(chunks: Chunks) -> Vec<u8> {
    chunks.into_pieces().concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::arrow::to_arrow_owned;
    use crate::frames::{Field, Frame, Values};
    use bytes::Bytes;
    use grafana_plugin_sdk::pluginv2::QueryDataResponse;

    fn answer(ref_id: &str, frames: Vec<Frame>, error: &str, status: i32) -> QueryAnswer {
        QueryAnswer {
            ref_id: ref_id.to_string(),
            frames: frames
                .into_iter()
                .map(|f| to_arrow_owned(f).unwrap())
                .collect(),
            error: error.to_string(),
            status,
        }
    }

    fn big_frame() -> Frame {
        let ts: Vec<i64> = (0..20_000).collect();
        let values: Vec<f64> = (0..20_000).map(|i| i as f64 / 3.0).collect();
        Frame::new(
            "big",
            vec![
                Field::new("time", Values::Time(ts)),
                Field::new("value", Values::F64(values)),
            ],
        )
    }

    #[test]
    fn decodes_as_the_message_prost_writes() {
        let answers = vec![
            answer("A", vec![big_frame(), Frame::new("empty", vec![])], "", 200),
            answer("", vec![], "Loki answered 500", 500),
            answer("empty", vec![], "", 0),
        ];
        let expected = QueryDataResponse {
            responses: answers
                .iter()
                .map(|a| (a.ref_id.clone(), a.to_response()))
                .collect(),
        };
        let bytes = collect(response_message(answers));
        assert_eq!(bytes.len(), expected.encoded_len());
        assert_eq!(
            QueryDataResponse::decode(bytes.as_slice()).unwrap(),
            expected
        );
    }

    #[test]
    fn big_columns_go_out_without_a_copy() {
        let mut frame = big_frame();
        let Values::F64(values) = &frame.fields[1].values else {
            unreachable!()
        };
        let column_at = values.as_ptr() as usize;
        frame.ref_id = "A".into();
        let message = response_message(vec![QueryAnswer {
            ref_id: "A".into(),
            frames: vec![to_arrow_owned(frame).unwrap()],
            error: String::new(),
            status: 200,
        }]);
        let pieces = message.into_pieces();
        assert!(
            pieces
                .iter()
                .any(|p| p.as_ptr() as usize == column_at && p.len() == 20_000 * 8),
            "the value column is one of the pieces, not a copy"
        );
    }

    #[tokio::test]
    async fn reads_a_framed_request_and_refuses_bad_ones() {
        let request = QueryDataRequest {
            queries: vec![Default::default()],
            ..Default::default()
        };
        let message = request.encode_to_vec();
        let framed = |flag: u8, len: usize, message: &[u8]| {
            let mut body = vec![flag];
            body.extend_from_slice(&(len as u32).to_be_bytes());
            body.extend_from_slice(message);
            http::Request::new(http_body_util::Full::new(Bytes::from(body)))
        };
        let ok = read_request(framed(0, message.len(), &message)).await;
        assert_eq!(ok.unwrap(), request);
        let compressed = read_request(framed(1, message.len(), &message)).await;
        assert_eq!(compressed.unwrap_err().code(), tonic::Code::Unimplemented);
        let short = read_request(framed(0, message.len() + 3, &message)).await;
        assert_eq!(short.unwrap_err().code(), tonic::Code::Internal);
        let empty = read_request(http::Request::new(http_body_util::Full::new(Bytes::new()))).await;
        assert_eq!(empty.unwrap_err().code(), tonic::Code::Internal);
    }
}
