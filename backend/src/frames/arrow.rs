//! [`Frame`] → Arrow IPC **file** bytes, in the layout of Grafana's Go SDK (`data/arrow.go`), which is
//! what Grafana decodes: schema metadata `name`, `refId` and `meta` (JSON); per field metadata `name`,
//! `labels` (JSON, when any) and `config` (JSON, when set); time as `Timestamp(ns, no tz)`, JSON as
//! `Binary`, nullability from the column kind. Encoded with arrow2 as re-exported by the SDK.

use std::collections::BTreeMap;

use grafana_plugin_sdk::arrow2::array::{
    Array, BinaryArray, BooleanArray, PrimitiveArray, Utf8Array,
};
use grafana_plugin_sdk::arrow2::bitmap::Bitmap;
use grafana_plugin_sdk::arrow2::chunk::Chunk;
use grafana_plugin_sdk::arrow2::datatypes::{DataType, Field as ArrowField, Schema, TimeUnit};
use grafana_plugin_sdk::arrow2::io::ipc::write::{FileWriter, WriteOptions};
use grafana_plugin_sdk::arrow2::offset::Offsets;

use super::{Field, Frame, FrameError, Values};
use crate::execute::StrColumn;

const TIME: DataType = DataType::Timestamp(TimeUnit::Nanosecond, None);

/// Encodes one frame. The frame's own `ref_id` is written as `refId`.
pub fn to_arrow(frame: &Frame) -> Result<Vec<u8>, FrameError> {
    to_arrow_owned(frame.clone())
}

/// Encodes one frame, moving its columns into Arrow arrays (numbers and [`Values::Utf8`] strings
/// without a copy): the IPC bytes are the only other copy of the data.
pub fn to_arrow_owned(frame: Frame) -> Result<Vec<u8>, FrameError> {
    frame.check()?;
    let err = |reason: String| FrameError::Arrow {
        frame: frame.name.clone(),
        reason,
    };
    let mut metadata = BTreeMap::from([
        ("name".to_string(), frame.name.clone()),
        ("refId".to_string(), frame.ref_id.clone()),
    ]);
    if let Some(meta) = &frame.meta {
        metadata.insert(
            "meta".to_string(),
            serde_json::to_string(meta).map_err(|e| err(e.to_string()))?,
        );
    }
    let fields = frame
        .fields
        .iter()
        .map(arrow_field)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| err(e.to_string()))?;
    let schema = Schema::from(fields).with_metadata(metadata);
    let rows = frame.row_count();
    let mut buf = Vec::with_capacity(estimated_size(&frame, rows));
    let mut writer =
        FileWriter::try_new(&mut buf, schema, None, WriteOptions { compression: None })
            .map_err(|e| err(e.to_string()))?;
    let name = frame.name;
    let err = |reason: String| FrameError::Arrow {
        frame: name.clone(),
        reason,
    };
    if !frame.fields.is_empty() {
        let arrays = frame
            .fields
            .into_iter()
            .map(|f| array(f.values))
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        let chunk = Chunk::try_new(arrays).map_err(|e| err(e.to_string()))?;
        writer.write(&chunk, None).map_err(|e| err(e.to_string()))?;
    }
    writer.finish().map_err(|e| err(e.to_string()))?;
    Ok(buf)
}

fn arrow_field(field: &Field) -> Result<ArrowField, serde_json::Error> {
    let mut metadata = BTreeMap::from([("name".to_string(), field.name.clone())]);
    if !field.labels.is_empty() {
        metadata.insert("labels".into(), serde_json::to_string(&field.labels)?);
    }
    if let Some(config) = &field.config {
        metadata.insert("config".into(), serde_json::to_string(config)?);
    }
    Ok(ArrowField::new(
        &field.name,
        data_type(&field.values),
        field.values.is_nullable(),
    )
    .with_metadata(metadata))
}

fn data_type(values: &Values) -> DataType {
    match values {
        Values::Time(_) | Values::OptTime(_) => TIME,
        Values::F64(_) | Values::OptF64(_) => DataType::Float64,
        Values::I64(_) | Values::OptI64(_) => DataType::Int64,
        Values::Str(_) | Values::OptStr(_) | Values::Utf8(_) | Values::OptUtf8(_) => DataType::Utf8,
        Values::Bool(_) | Values::OptBool(_) => DataType::Boolean,
        Values::Json(_) | Values::OptJson(_) => DataType::Binary,
    }
}

fn json_bytes(value: &serde_json::Value) -> Result<Vec<u8>, String> {
    serde_json::to_vec(value).map_err(|e| e.to_string())
}

/// Room for the IPC bytes: the column data plus per-column headers and padding, so the output buffer
/// is allocated once.
fn estimated_size(frame: &Frame, rows: usize) -> usize {
    let data: usize = frame
        .fields
        .iter()
        .map(|f| match &f.values {
            Values::Utf8(c) | Values::OptUtf8(c) => c.byte_len() + 4 * rows + rows / 8,
            Values::Str(v) => v.iter().map(String::len).sum::<usize>() + 4 * rows,
            Values::OptStr(v) => v.iter().flatten().map(String::len).sum::<usize>() + 5 * rows,
            _ => 9 * rows,
        })
        .sum();
    data + frame.fields.len() * 400 + 2048
}

fn array(values: Values) -> Result<Box<dyn Array>, String> {
    Ok(match values {
        Values::Time(v) => PrimitiveArray::<i64>::from_vec(v).to(TIME).boxed(),
        Values::OptTime(v) => PrimitiveArray::<i64>::from(v).to(TIME).boxed(),
        Values::F64(v) => PrimitiveArray::<f64>::from_vec(v).boxed(),
        Values::OptF64(v) => PrimitiveArray::<f64>::from(v).boxed(),
        Values::I64(v) => PrimitiveArray::<i64>::from_vec(v).boxed(),
        Values::OptI64(v) => PrimitiveArray::<i64>::from(v).boxed(),
        Values::Str(v) => Utf8Array::<i32>::from_slice(v).boxed(),
        Values::OptStr(v) => Utf8Array::<i32>::from(v).boxed(),
        Values::Utf8(c) | Values::OptUtf8(c) => utf8(c)?.boxed(),
        Values::Bool(v) => BooleanArray::from_slice(v).boxed(),
        Values::OptBool(v) => BooleanArray::from(v).boxed(),
        Values::Json(v) => {
            let bytes = v.iter().map(json_bytes).collect::<Result<Vec<_>, _>>()?;
            BinaryArray::<i32>::from_slice(bytes).boxed()
        }
        Values::OptJson(v) => {
            let bytes = v
                .iter()
                .map(|o| o.as_ref().map(json_bytes).transpose())
                .collect::<Result<Vec<_>, _>>()?;
            BinaryArray::<i32>::from(bytes).boxed()
        }
    })
}

/// A [`StrColumn`] as an Arrow `Utf8` array, its buffers moved.
fn utf8(column: StrColumn) -> Result<Utf8Array<i32>, String> {
    let (offsets, bytes, validity) = column.into_parts();
    let offsets = Offsets::try_from(offsets).map_err(|e| e.to_string())?;
    let validity = validity.map(|v| Bitmap::from_iter(v.iter().copied()));
    Utf8Array::try_new(DataType::Utf8, offsets.into(), bytes.into(), validity)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_ragged_frames() {
        let frame = Frame::new(
            "bad",
            vec![
                Field::new("a", Values::F64(vec![1.0])),
                Field::new("b", Values::F64(vec![])),
            ],
        );
        assert!(matches!(
            to_arrow(&frame),
            Err(FrameError::LengthMismatch { .. })
        ));
    }

    #[test]
    fn encodes_an_empty_frame() {
        let bytes = to_arrow(&Frame::new("empty", vec![])).unwrap();
        assert_eq!(&bytes[..6], b"ARROW1");
    }
}
