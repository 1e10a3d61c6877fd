//! The `pluginv2.Data` gRPC service with an encoder that moves frames into the response: each
//! encoded frame is copied into the outgoing message and dropped at once, so a big answer is held
//! about once while it is sent, not twice (the generated `DataServer` encodes from a borrowed
//! message, keeping every frame alive until the whole message is written). Same wire bytes.

use std::sync::Arc;
use std::task::{Context, Poll};

use grafana_plugin_sdk::pluginv2::{self, DataResponse, QueryDataRequest, QueryDataResponse};
use prost::Message;
use prost::bytes::BufMut;
use prost::encoding::{WireType, encode_key, encode_varint, encoded_len_varint};
use tonic::codec::{Codec, EncodeBuf, Encoder, ProstCodec};
use tonic::codegen::{Body, BoxFuture, StdError, empty_body, http};

use pluginv2::data_server::Data;

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

struct QueryDataSvc<T>(Arc<T>);

impl<T: Data> tonic::server::UnaryService<QueryDataRequest> for QueryDataSvc<T> {
    type Response = QueryDataResponse;
    type Future = BoxFuture<tonic::Response<QueryDataResponse>, tonic::Status>;

    fn call(&mut self, request: tonic::Request<QueryDataRequest>) -> Self::Future {
        let inner = self.0.clone();
        Box::pin(async move { inner.query_data(request).await })
    }
}

impl<T, B> tonic::codegen::Service<http::Request<B>> for DataService<T>
where
    T: Data,
    B: Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::BoxBody>;
    type Error = std::convert::Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        if req.uri().path() == "/pluginv2.Data/QueryData" {
            let inner = self.inner.clone();
            return Box::pin(async move {
                let mut grpc = tonic::server::Grpc::new(MovingCodec)
                    .apply_max_message_size_config(Some(usize::MAX), Some(usize::MAX));
                Ok(grpc.unary(QueryDataSvc(inner), req).await)
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

/// Prost decoding of requests, [`MovingEncoder`] for responses.
#[derive(Debug, Clone, Copy, Default)]
struct MovingCodec;

impl Codec for MovingCodec {
    type Encode = QueryDataResponse;
    type Decode = QueryDataRequest;
    type Encoder = MovingEncoder;
    type Decoder = <ProstCodec<QueryDataResponse, QueryDataRequest> as Codec>::Decoder;

    fn encoder(&mut self) -> Self::Encoder {
        MovingEncoder
    }

    fn decoder(&mut self) -> Self::Decoder {
        ProstCodec::<QueryDataResponse, QueryDataRequest>::default().decoder()
    }
}

/// Writes `QueryDataResponse` in protobuf (field 1: `map<string, DataResponse>`), freeing each frame
/// once written.
#[derive(Debug, Clone, Copy, Default)]
struct MovingEncoder;

impl Encoder for MovingEncoder {
    type Item = QueryDataResponse;
    type Error = tonic::Status;

    fn encode(
        &mut self,
        item: QueryDataResponse,
        dst: &mut EncodeBuf<'_>,
    ) -> Result<(), Self::Error> {
        dst.reserve(item.encoded_len());
        write_response(item, dst);
        Ok(())
    }
}

/// The protobuf bytes of `item`, frames moved (the same bytes prost writes, map entries in any order).
pub fn write_response(item: QueryDataResponse, dst: &mut impl BufMut) {
    for (ref_id, mut response) in item.responses {
        let frames = std::mem::take(&mut response.frames);
        let frames_len: usize = frames
            .iter()
            .map(|f| 1 + encoded_len_varint(f.len() as u64) + f.len())
            .sum();
        // Like prost: a default key or value is left out of its map entry.
        let value_len = response.encoded_len() + frames_len;
        let key_len = if ref_id.is_empty() {
            0
        } else {
            prost::encoding::string::encoded_len(1, &ref_id)
        };
        let value_field_len = if value_len == 0 {
            0
        } else {
            1 + encoded_len_varint(value_len as u64) + value_len
        };
        encode_key(1, WireType::LengthDelimited, dst);
        encode_varint((key_len + value_field_len) as u64, dst);
        if !ref_id.is_empty() {
            prost::encoding::string::encode(1, &ref_id, dst);
        }
        if value_len == 0 {
            continue;
        }
        encode_key(2, WireType::LengthDelimited, dst);
        encode_varint(value_len as u64, dst);
        for frame in frames {
            encode_key(1, WireType::LengthDelimited, dst);
            encode_varint(frame.len() as u64, dst);
            dst.put_slice(&frame);
            // `frame` is dropped here: its memory goes back before the next one is copied.
        }
        write_rest(&response, dst);
    }
}

/// The fields of a `DataResponse` other than its (already written) frames.
fn write_rest(response: &DataResponse, dst: &mut impl BufMut) {
    if !response.error.is_empty() {
        prost::encoding::string::encode(2, &response.error, dst);
    }
    if !response.json_meta.is_empty() {
        prost::encoding::bytes::encode(3, &response.json_meta, dst);
    }
    if response.status != 0 {
        prost::encoding::int32::encode(4, &response.status, dst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn decodes_as_the_same_message() {
        let response = QueryDataResponse {
            responses: HashMap::from([
                (
                    "A".to_string(),
                    DataResponse {
                        frames: vec![vec![1, 2, 3], vec![0; 300]],
                        status: 200,
                        ..Default::default()
                    },
                ),
                (
                    String::new(),
                    DataResponse {
                        error: "Loki answered 500".into(),
                        json_meta: b"{}".to_vec(),
                        status: 500,
                        ..Default::default()
                    },
                ),
                ("empty".to_string(), DataResponse::default()),
            ]),
        };
        let mut bytes = Vec::new();
        write_response(response.clone(), &mut bytes);
        assert_eq!(bytes.len(), response.encoded_len());
        assert_eq!(
            QueryDataResponse::decode(bytes.as_slice()).unwrap(),
            response
        );
    }
}
