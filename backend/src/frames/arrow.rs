//! [`Frame`] → Arrow IPC **file** bytes, in the layout of Grafana's Go SDK (`data/arrow.go`), which is
//! what Grafana decodes: schema metadata `name`, `refId` and `meta` (JSON); per field metadata `name`,
//! `labels` (JSON, when any) and `config` (JSON, when set); time as `Timestamp(ns, no tz)`, JSON as
//! `Binary`, nullability from the column kind.
//!
//! The messages (schema, record batch, footer) are built with arrow-rs's flatbuffer definitions
//! (`arrow_ipc`); the body is laid out here, because our columns are already in Arrow's layout: each
//! buffer is copied once, straight from the frame into the output. (arrow2's `FileWriter`, used before,
//! copied every buffer twice and re-checked the UTF-8 the decoder had checked; arrow-rs's writer would
//! need its own arrays built first. Measured in BENCHMARKS.md, issue 9 target 2.)
//!
//! File layout (Arrow columnar format, "IPC File Format"): `ARROW1\0\0`, the schema message, one record
//! batch message (none for a frame without fields), the end-of-stream marker, the footer (schema and the
//! batch's block), the footer's length and `ARROW1`. Messages are `0xFFFFFFFF`, the metadata length and
//! the flatbuffer padded to 8 bytes; body buffers start at multiples of 8.

use arrow_ipc::{
    Block, BoolArgs, Buffer as IpcBuffer, Endianness, Field as IpcField, FieldArgs, FieldNode,
    FloatingPoint, FloatingPointArgs, Footer, FooterArgs, Int, IntArgs, KeyValue, KeyValueArgs,
    Message, MessageArgs, MessageHeader, MetadataVersion, Precision, RecordBatch, RecordBatchArgs,
    Schema, SchemaArgs, TimeUnit, Timestamp, TimestampArgs, Type, Utf8, Utf8Args,
};
use flatbuffers::{FlatBufferBuilder, ForwardsUOffset, Vector, WIPOffset};

use super::{Field, Frame, FrameError, Values};

const MAGIC: &[u8; 6] = b"ARROW1";
const CONTINUATION: [u8; 4] = [0xff; 4];

/// Encodes one frame. The frame's own `ref_id` is written as `refId`.
pub fn to_arrow(frame: &Frame) -> Result<Vec<u8>, FrameError> {
    frame.check()?;
    let columns = frame
        .fields
        .iter()
        .map(Column::of)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| arrow_error(frame, e))?;
    let body_len: usize = columns.iter().map(|c| c.body_len()).sum();
    let meta = match &frame.meta {
        Some(meta) => Some(serde_json::to_string(meta).map_err(|e| arrow_error(frame, e))?),
        None => None,
    };
    let mut out = Vec::with_capacity(body_len + 1024 + frame.fields.len() * 512);
    write_file(
        &mut FlatBufferBuilder::with_capacity(1024),
        frame,
        meta.as_deref(),
        frame.row_count(),
        &columns,
        &mut out,
    );
    Ok(out)
}

/// Encodes one frame it owns as the pieces of its Arrow file ([`EncodedFrame`]): the big column
/// buffers (log lines, offsets, timestamps, numbers) move into the pieces as they are, without a
/// copy, and go out to the gRPC connection from there. Same bytes as [`to_arrow`].
pub fn to_arrow_owned(frame: Frame) -> Result<EncodedFrame, FrameError> {
    Encoder::default().encode(frame)
}

/// Encodes the frames of one answer ([`to_arrow_owned`]) with one flatbuffer builder, writing their
/// meta's JSON once when they share it (every stream of a log answer, every series of a matrix:
/// hundreds of frames, where these fixed costs are most of the work).
pub struct Encoder {
    fbb: FlatBufferBuilder<'static>,
    last_meta: Option<(super::FrameMeta, String)>,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder").finish_non_exhaustive()
    }
}

impl Default for Encoder {
    fn default() -> Self {
        Encoder {
            fbb: FlatBufferBuilder::with_capacity(4096),
            last_meta: None,
        }
    }
}

impl Encoder {
    pub fn encode(&mut self, mut frame: Frame) -> Result<EncodedFrame, FrameError> {
        frame.check()?;
        let rows = frame.row_count();
        let mut columns = Vec::with_capacity(frame.fields.len());
        for field in &mut frame.fields {
            let column = Column::take(field).map_err(|e| arrow_error(&frame.name, e))?;
            columns.push(column);
        }
        let meta = match frame.meta.take() {
            None => None,
            Some(meta) => Some(match self.last_meta.take() {
                Some((last, text)) if last == meta => (last, text),
                _ => {
                    let text =
                        serde_json::to_string(&meta).map_err(|e| arrow_error(&frame.name, e))?;
                    (meta, text)
                }
            }),
        };
        let mut out = Chunks::default();
        write_file(
            &mut self.fbb,
            &frame,
            meta.as_ref().map(|(_, text)| text.as_str()),
            rows,
            &columns,
            &mut out,
        );
        if meta.is_some() {
            self.last_meta = meta;
        }
        Ok(EncodedFrame(out))
    }
}

fn arrow_error(frame: impl FrameName, e: impl std::fmt::Display) -> FrameError {
    FrameError::Arrow {
        frame: frame.frame_name(),
        reason: e.to_string(),
    }
}

trait FrameName {
    fn frame_name(&self) -> String;
}

impl FrameName for &Frame {
    fn frame_name(&self) -> String {
        self.name.clone()
    }
}

impl FrameName for &String {
    fn frame_name(&self) -> String {
        (*self).clone()
    }
}

/// Where an Arrow file is written: one buffer ([`to_arrow`]) or [`Chunks`] ([`to_arrow_owned`]).
trait Sink {
    fn put(&mut self, bytes: &[u8]);
    fn put_zeros(&mut self, n: usize);
    fn put_piece(&mut self, piece: &Piece);
    fn len(&self) -> usize;
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
    fn put_zeros(&mut self, n: usize) {
        self.resize(self.len() + n, 0);
    }
    fn put_piece(&mut self, piece: &Piece) {
        self.extend_from_slice(piece.as_slice());
    }
    fn len(&self) -> usize {
        Vec::len(self)
    }
}

/// Bytes written as a list of pieces: small writes gather in one buffer, big shared buffers are
/// kept as they are (a reference count, no copy). Written to a socket with vectored writes, this
/// is what lets a big answer leave the plugin without ever being copied into one message buffer.
#[derive(Debug, Default, Clone)]
pub struct Chunks {
    done: Vec<bytes::Bytes>,
    small: Vec<u8>,
    len: usize,
}

impl Chunks {
    /// Pieces below this are copied into the running buffer (a separate piece costs more to send).
    const COPY_BELOW: usize = 4096;

    pub fn put(&mut self, bytes: &[u8]) {
        self.small.extend_from_slice(bytes);
        self.len += bytes.len();
    }

    pub fn put_bytes(&mut self, bytes: bytes::Bytes) {
        if bytes.len() < Self::COPY_BELOW {
            self.put(&bytes);
            return;
        }
        self.flush_small();
        self.len += bytes.len();
        self.done.push(bytes);
    }

    /// Appends another list of pieces (moved, no copy of its big pieces).
    pub fn append(&mut self, other: Chunks) {
        for piece in other.into_pieces() {
            self.put_bytes(piece);
        }
    }

    fn flush_small(&mut self) {
        if !self.small.is_empty() {
            self.done
                .push(bytes::Bytes::from(std::mem::take(&mut self.small)));
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn into_pieces(mut self) -> Vec<bytes::Bytes> {
        self.flush_small();
        self.done
    }

    /// The pieces, runs of pieces under `min` bytes merged (copied) into pieces of at least `min`
    /// bytes; bigger pieces are kept as they are.
    pub fn into_pieces_of_at_least(self, min: usize) -> Vec<bytes::Bytes> {
        let mut out = Vec::new();
        let mut run: Vec<u8> = Vec::new();
        for piece in self.into_pieces() {
            if piece.len() >= min {
                if !run.is_empty() {
                    out.push(bytes::Bytes::from(std::mem::take(&mut run)));
                }
                out.push(piece);
                continue;
            }
            run.extend_from_slice(&piece);
            if run.len() >= min {
                out.push(bytes::Bytes::from(std::mem::take(&mut run)));
            }
        }
        if !run.is_empty() {
            out.push(bytes::Bytes::from(run));
        }
        out
    }

    /// All pieces in one buffer (a copy: for callers that need contiguous bytes).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len);
        for piece in &self.done {
            out.extend_from_slice(piece);
        }
        out.extend_from_slice(&self.small);
        out
    }
}

impl Sink for Chunks {
    fn put(&mut self, bytes: &[u8]) {
        Chunks::put(self, bytes);
    }
    fn put_zeros(&mut self, n: usize) {
        self.small.resize(self.small.len() + n, 0);
        self.len += n;
    }
    fn put_piece(&mut self, piece: &Piece) {
        match piece {
            Piece::Shared(bytes) => self.put_bytes(bytes.clone()),
            other => Chunks::put(self, other.as_slice()),
        }
    }
    fn len(&self) -> usize {
        self.len
    }
}

/// One frame's Arrow IPC file as pieces ([`to_arrow_owned`]).
#[derive(Debug, Clone)]
pub struct EncodedFrame(Chunks);

impl EncodedFrame {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_chunks(self) -> Chunks {
        self.0
    }

    /// The file in one buffer (a copy).
    pub fn to_vec(&self) -> Vec<u8> {
        self.0.to_vec()
    }
}

/// The Arrow IPC file of `frame` with its meta's JSON and its fields' data in `columns`. `rows` is
/// given because [`Encoder::encode`] has moved the values out of the frame by then.
fn write_file(
    fbb: &mut FlatBufferBuilder<'static>,
    frame: &Frame,
    meta: Option<&str>,
    rows: usize,
    columns: &[Column],
    out: &mut impl Sink,
) {
    let schema = SchemaParts {
        frame,
        meta,
        columns,
    };
    let body_len: usize = columns.iter().map(|c| c.body_len()).sum();
    out.put(MAGIC);
    out.put(&[0, 0]);

    fbb.reset();
    let schema_offset = schema.write(fbb);
    let message = Message::create(
        fbb,
        &MessageArgs {
            version: MetadataVersion::V5,
            header_type: MessageHeader::Schema,
            header: Some(schema_offset.as_union_value()),
            bodyLength: 0,
            custom_metadata: None,
        },
    );
    fbb.finish(message, None);
    write_message_metadata(out, fbb.finished_data());

    let mut blocks = Vec::new();
    if !columns.is_empty() {
        let block_start = out.len();
        let (nodes, buffers) = layout(columns, rows);
        fbb.reset();
        let nodes = fbb.create_vector(&nodes);
        let buffers = fbb.create_vector(&buffers);
        let batch = RecordBatch::create(
            fbb,
            &RecordBatchArgs {
                length: rows as i64,
                nodes: Some(nodes),
                buffers: Some(buffers),
                compression: None,
                variadicBufferCounts: None,
            },
        );
        let message = Message::create(
            fbb,
            &MessageArgs {
                version: MetadataVersion::V5,
                header_type: MessageHeader::RecordBatch,
                header: Some(batch.as_union_value()),
                bodyLength: body_len as i64,
                custom_metadata: None,
            },
        );
        fbb.finish(message, None);
        let metadata_len = write_message_metadata(out, fbb.finished_data());
        let body_start = out.len();
        for column in columns {
            column.write_body(out);
        }
        debug_assert_eq!(out.len() - body_start, body_len);
        blocks.push(Block::new(
            block_start as i64,
            metadata_len as i32,
            body_len as i64,
        ));
    }
    // End of stream.
    out.put(&CONTINUATION);
    out.put(&0i32.to_le_bytes());

    fbb.reset();
    let schema_offset = schema.write(fbb);
    let blocks = fbb.create_vector(&blocks);
    let dictionaries = fbb.create_vector::<Block>(&[]);
    let footer = Footer::create(
        fbb,
        &FooterArgs {
            version: MetadataVersion::V5,
            schema: Some(schema_offset),
            dictionaries: Some(dictionaries),
            recordBatches: Some(blocks),
            custom_metadata: None,
        },
    );
    fbb.finish(footer, None);
    let footer = fbb.finished_data();
    out.put(footer);
    out.put(&(footer.len() as i32).to_le_bytes());
    out.put(MAGIC);
}

/// `0xFFFFFFFF`, the padded length, the flatbuffer and its padding; returns the bytes written.
fn write_message_metadata(out: &mut impl Sink, flatbuffer: &[u8]) -> usize {
    let padded = (8 + flatbuffer.len()).next_multiple_of(8) - 8;
    out.put(&CONTINUATION);
    out.put(&(padded as i32).to_le_bytes());
    out.put(flatbuffer);
    out.put_zeros(padded - flatbuffer.len());
    8 + padded
}

/// What the schema is written from (twice: in the schema message and in the footer).
struct SchemaParts<'a> {
    frame: &'a Frame,
    meta: Option<&'a str>,
    columns: &'a [Column<'a>],
}

impl SchemaParts<'_> {
    fn write<'b>(&self, fbb: &mut FlatBufferBuilder<'b>) -> WIPOffset<Schema<'b>> {
        let fields: Vec<_> = self
            .frame
            .fields
            .iter()
            .zip(self.columns)
            .map(|(field, column)| write_field(fbb, field, column))
            .collect();
        let fields = fbb.create_vector(&fields);
        let metadata = key_values(
            fbb,
            [
                Some(("name", self.frame.name.as_str())),
                Some(("refId", self.frame.ref_id.as_str())),
                self.meta.map(|meta| ("meta", meta)),
            ],
        );
        Schema::create(
            fbb,
            &SchemaArgs {
                endianness: Endianness::Little,
                fields: Some(fields),
                custom_metadata: Some(metadata),
                features: None,
            },
        )
    }
}

fn write_field<'b>(
    fbb: &mut FlatBufferBuilder<'b>,
    field: &Field,
    column: &Column,
) -> WIPOffset<IpcField<'b>> {
    let metadata = key_values(
        fbb,
        [
            Some(("name", field.name.as_str())),
            column.labels.as_deref().map(|labels| ("labels", labels)),
            column.config.as_deref().map(|config| ("config", config)),
        ],
    );
    let name = fbb.create_string(&field.name);
    let (type_type, type_) = match column.kind {
        Kind::Time => (
            Type::Timestamp,
            Timestamp::create(
                fbb,
                &TimestampArgs {
                    unit: TimeUnit::NANOSECOND,
                    timezone: None,
                },
            )
            .as_union_value(),
        ),
        Kind::F64 => (
            Type::FloatingPoint,
            FloatingPoint::create(
                fbb,
                &FloatingPointArgs {
                    precision: Precision::DOUBLE,
                },
            )
            .as_union_value(),
        ),
        Kind::I64 => (
            Type::Int,
            Int::create(
                fbb,
                &IntArgs {
                    bitWidth: 64,
                    is_signed: true,
                },
            )
            .as_union_value(),
        ),
        Kind::Utf8 => (Type::Utf8, Utf8::create(fbb, &Utf8Args {}).as_union_value()),
        Kind::Binary => (
            Type::Binary,
            arrow_ipc::Binary::create(fbb, &arrow_ipc::BinaryArgs {}).as_union_value(),
        ),
        Kind::Bool => (
            Type::Bool,
            arrow_ipc::Bool::create(fbb, &BoolArgs {}).as_union_value(),
        ),
    };
    let children = fbb.create_vector::<ForwardsUOffset<IpcField>>(&[]);
    IpcField::create(
        fbb,
        &FieldArgs {
            name: Some(name),
            nullable: column.nullable,
            type_type,
            type_: Some(type_),
            dictionary: None,
            children: Some(children),
            custom_metadata: Some(metadata),
        },
    )
}

/// Schema or field metadata from up to three pairs (`None`s left out), without a heap allocation:
/// it is written twice per frame, for hundreds of frames per answer.
fn key_values<'b>(
    fbb: &mut FlatBufferBuilder<'b>,
    pairs: [Option<(&str, &str)>; 3],
) -> WIPOffset<Vector<'b, ForwardsUOffset<KeyValue<'b>>>> {
    let mut items = [WIPOffset::new(0); 3];
    let mut n = 0;
    for (k, v) in pairs.into_iter().flatten() {
        let key = fbb.create_string(k);
        let value = fbb.create_string(v);
        items[n] = KeyValue::create(
            fbb,
            &KeyValueArgs {
                key: Some(key),
                value: Some(value),
            },
        );
        n += 1;
    }
    fbb.create_vector(&items[..n])
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Time,
    F64,
    I64,
    Utf8,
    Binary,
    Bool,
}

/// One field's data as Arrow buffers: borrowed from the frame where it is already in Arrow's layout,
/// moved out of it ([`Column::take`]) or built here (validity bitmaps, offsets of `String` rows,
/// JSON text).
struct Column<'a> {
    kind: Kind,
    nullable: bool,
    labels: Option<String>,
    config: Option<String>,
    /// `Some` when the column has nulls.
    validity: Option<Vec<u8>>,
    null_count: usize,
    /// Offsets (`Utf8`, `Binary`); empty otherwise.
    offsets: Piece<'a>,
    /// Values: 8-byte numbers, text, or the bit-packed booleans.
    data: Piece<'a>,
}

/// A body buffer.
#[derive(Debug)]
enum Piece<'a> {
    Borrowed(&'a [u8]),
    Owned(Vec<u8>),
    /// Moved out of a frame: goes into [`Chunks`] without a copy.
    Shared(bytes::Bytes),
}

impl Piece<'_> {
    fn as_slice(&self) -> &[u8] {
        match self {
            Piece::Borrowed(b) => b,
            Piece::Owned(v) => v,
            Piece::Shared(b) => b,
        }
    }
}

fn padded(len: usize) -> usize {
    len.next_multiple_of(8)
}

impl<'a> Column<'a> {
    fn of(field: &'a Field) -> Result<Self, serde_json::Error> {
        let mut column = match &field.values {
            Values::Utf8(c) | Values::OptUtf8(c) => {
                let (offsets, bytes, validity) = c.parts();
                let offsets = le_bytes(offsets, |x| x.to_le_bytes());
                Column::text(Piece::Borrowed(bytes), offsets, validity)
            }
            other => Column::built(other)?,
        };
        column.describe(field)?;
        Ok(column)
    }

    /// A `Utf8` column from Arrow's three buffers.
    fn text(bytes: Piece<'a>, offsets: Piece<'a>, validity: Option<&[bool]>) -> Self {
        let mut column = Column::fixed(Kind::Utf8, bytes);
        column.offsets = offsets;
        if let Some(valid) = validity {
            column.set_validity(valid.iter().copied());
        }
        column
    }

    fn fixed(kind: Kind, data: Piece<'a>) -> Self {
        Column {
            kind,
            nullable: false,
            labels: None,
            config: None,
            validity: None,
            null_count: 0,
            offsets: Piece::Borrowed(&[]),
            data,
        }
    }

    /// Name-independent parts of the field: nullability, labels and config as JSON.
    fn describe(&mut self, field: &Field) -> Result<(), serde_json::Error> {
        self.nullable = field.values.is_nullable();
        if !field.labels.is_empty() {
            self.labels = Some(serde_json::to_string(&field.labels)?);
        }
        if let Some(config) = &field.config {
            self.config = Some(serde_json::to_string(config)?);
        }
        Ok(())
    }

    /// Columns whose Arrow buffers are written here (a copy: what [`Column::of`] and
    /// [`Column::take`] do not borrow or move).
    fn built(values: &Values) -> Result<Column<'static>, serde_json::Error> {
        Ok(match values {
            Values::Time(v) => Column::fixed(Kind::Time, le_bytes(v, |x| x.to_le_bytes())),
            Values::I64(v) => Column::fixed(Kind::I64, le_bytes(v, |x| x.to_le_bytes())),
            Values::F64(v) => Column::fixed(Kind::F64, le_bytes(v, |x| x.to_le_bytes())),
            Values::OptTime(v) => Column::optional_numbers(Kind::Time, v, |x| x.to_le_bytes()),
            Values::OptI64(v) => Column::optional_numbers(Kind::I64, v, |x| x.to_le_bytes()),
            Values::OptF64(v) => Column::optional_numbers(Kind::F64, v, |x| x.to_le_bytes()),
            Values::Utf8(c) | Values::OptUtf8(c) => {
                let (offsets, bytes, validity) = c.parts();
                let offsets = le_bytes(offsets, |x| x.to_le_bytes());
                Column::text(Piece::Owned(bytes.to_vec()), offsets, validity)
            }
            Values::Str(v) => Column::variable(Kind::Utf8, v.iter().map(|s| Some(s.as_bytes()))),
            Values::OptStr(v) => Column::variable(
                Kind::Utf8,
                v.iter().map(|s| s.as_deref().map(str::as_bytes)),
            ),
            Values::Json(v) => {
                let texts = v
                    .iter()
                    .map(serde_json::to_vec)
                    .collect::<Result<Vec<_>, _>>()?;
                Column::variable(Kind::Binary, texts.iter().map(|t| Some(t.as_slice())))
            }
            Values::OptJson(v) => {
                let texts = v
                    .iter()
                    .map(|o| o.as_ref().map(serde_json::to_vec).transpose())
                    .collect::<Result<Vec<_>, _>>()?;
                Column::variable(Kind::Binary, texts.iter().map(|t| t.as_deref()))
            }
            Values::JsonText(v) => {
                Column::variable(Kind::Binary, v.iter().map(|t| Some(t.as_bytes())))
            }
            Values::Bool(v) => Column::fixed(Kind::Bool, Piece::Owned(bitmap(v.iter().copied()))),
            Values::OptBool(v) => {
                let mut column = Column::fixed(
                    Kind::Bool,
                    Piece::Owned(bitmap(v.iter().map(|b| b.unwrap_or(false)))),
                );
                column.set_validity(v.iter().map(Option::is_some));
                column
            }
        })
    }

    /// The field's data moved out (the field keeps its name, labels and config; moved columns are
    /// left empty): numbers and text in Arrow's layout become pieces without a copy.
    fn take(field: &mut Field) -> Result<Column<'static>, serde_json::Error> {
        let mut column = match &mut field.values {
            Values::Time(v) => Column::fixed(Kind::Time, words(std::mem::take(v))),
            Values::I64(v) => Column::fixed(Kind::I64, words(std::mem::take(v))),
            Values::F64(v) => Column::fixed(Kind::F64, words(std::mem::take(v))),
            Values::Utf8(c) | Values::OptUtf8(c) => {
                let (offsets, bytes, validity) = std::mem::take(c).into_parts();
                Column::text(
                    Piece::Shared(bytes.into()),
                    words(offsets),
                    validity.as_deref(),
                )
            }
            other => Column::built(other)?,
        };
        column.describe(field)?;
        Ok(column)
    }

    fn optional_numbers<T: Copy + Default>(
        kind: Kind,
        values: &[Option<T>],
        bytes: impl Fn(T) -> [u8; 8],
    ) -> Self {
        let mut data = Vec::with_capacity(values.len() * 8);
        for v in values {
            data.extend_from_slice(&bytes(v.unwrap_or_default()));
        }
        let mut column = Column::fixed(kind, Piece::Owned(data));
        column.set_validity(values.iter().map(Option::is_some));
        column
    }

    /// `Utf8`/`Binary` from rows that are not yet in one buffer.
    fn variable<'r>(kind: Kind, rows: impl Iterator<Item = Option<&'r [u8]>> + Clone) -> Self {
        let mut offsets = Vec::with_capacity(4 * (rows.size_hint().0 + 1));
        let mut data = Vec::new();
        offsets.extend_from_slice(&0i32.to_le_bytes());
        for row in rows.clone() {
            data.extend_from_slice(row.unwrap_or_default());
            let end = i32::try_from(data.len()).unwrap_or(i32::MAX);
            offsets.extend_from_slice(&end.to_le_bytes());
        }
        let mut column = Column::fixed(kind, Piece::Owned(data));
        column.offsets = Piece::Owned(offsets);
        column.set_validity(rows.map(|r| r.is_some()));
        column
    }

    /// Keeps a validity bitmap only when some row is null (readers take a missing one as "all valid").
    fn set_validity(&mut self, valid: impl Iterator<Item = bool> + Clone) {
        let nulls = valid.clone().filter(|v| !v).count();
        if nulls > 0 {
            self.validity = Some(bitmap(valid));
            self.null_count = nulls;
        }
    }

    /// The buffers in Arrow's order: validity, then offsets (variable width), then values.
    fn buffers(&self) -> [&[u8]; 3] {
        let validity = self.validity.as_deref().unwrap_or_default();
        [validity, self.offsets.as_slice(), self.data.as_slice()]
    }

    fn variable_width(&self) -> bool {
        matches!(self.kind, Kind::Utf8 | Kind::Binary)
    }

    fn body_len(&self) -> usize {
        self.buffers().iter().map(|b| padded(b.len())).sum()
    }

    fn write_body(&self, out: &mut impl Sink) {
        let validity = self.validity.as_deref().unwrap_or_default();
        out.put(validity);
        out.put_zeros(padded(validity.len()) - validity.len());
        let mut pieces = vec![&self.data];
        if self.variable_width() {
            pieces.insert(0, &self.offsets);
        }
        for piece in pieces {
            let len = piece.as_slice().len();
            out.put_piece(piece);
            out.put_zeros(padded(len) - len);
        }
    }
}

/// Fixed-width numbers as a piece: on little-endian machines (Arrow IPC here is little-endian, as
/// every platform Grafana runs plugins on) the vector's own memory, without a copy.
fn words<T: bytemuck::Pod + Send + Sync>(values: Vec<T>) -> Piece<'static> {
    #[cfg(target_endian = "little")]
    {
        struct Words<T>(Vec<T>);
        impl<T: bytemuck::Pod> AsRef<[u8]> for Words<T> {
            fn as_ref(&self) -> &[u8] {
                bytemuck::cast_slice(&self.0)
            }
        }
        Piece::Shared(bytes::Bytes::from_owner(Words(values)))
    }
    #[cfg(not(target_endian = "little"))]
    {
        let mut out = Vec::with_capacity(std::mem::size_of_val(values.as_slice()));
        for v in &values {
            let mut b = bytemuck::bytes_of(v).to_vec();
            b.reverse();
            out.extend_from_slice(&b);
        }
        Piece::Owned(out)
    }
}

/// Field nodes and buffer locations of the record batch, in the order [`Column::write_body`] writes.
fn layout(columns: &[Column], rows: usize) -> (Vec<FieldNode>, Vec<IpcBuffer>) {
    let mut nodes = Vec::with_capacity(columns.len());
    let mut buffers = Vec::with_capacity(columns.len() * 3);
    let mut offset = 0usize;
    for column in columns {
        nodes.push(FieldNode::new(rows as i64, column.null_count as i64));
        let [validity, offsets, data] = column.buffers();
        for (i, buffer) in [validity, offsets, data].into_iter().enumerate() {
            if i == 1 && !column.variable_width() {
                continue;
            }
            buffers.push(IpcBuffer::new(offset as i64, buffer.len() as i64));
            offset += padded(buffer.len());
        }
    }
    (nodes, buffers)
}

/// LSB-first bits, as Arrow packs validity and booleans.
fn bitmap(bits: impl Iterator<Item = bool>) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, bit) in bits.enumerate() {
        if i % 8 == 0 {
            out.push(0);
        }
        if bit && let Some(last) = out.last_mut() {
            *last |= 1 << (i % 8);
        }
    }
    out
}

/// Numbers as little-endian bytes, allocated once.
fn le_bytes<T, const N: usize>(values: &[T], bytes: impl Fn(&T) -> [u8; N]) -> Piece<'static> {
    let mut out = Vec::with_capacity(values.len() * N);
    for v in values {
        out.extend_from_slice(&bytes(v));
    }
    Piece::Owned(out)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use arrow_array::Array;
    use grafana_plugin_sdk::arrow2;
    use serde_json::json;

    use super::*;
    use crate::execute::StrColumn;
    use crate::frames::{FieldConfig, FrameMeta};

    /// Every kind of column, with nulls where the kind allows them, in one frame.
    fn every_kind() -> Frame {
        let mut text = StrColumn::new();
        text.push("héllo \"wörld\"");
        text.push("");
        text.push("line\nbreak");
        let mut opt_text = StrColumn::new();
        opt_text.push("a");
        opt_text.push_null();
        opt_text.push("ç");
        let labels = BTreeMap::from([("service_name".to_string(), "api".to_string())]);
        let mut frame = Frame::new(
            "every kind",
            vec![
                Field::new("time", Values::Time(vec![1, -2, 1_795_596_352_000_000_001])),
                Field::new("opt time", Values::OptTime(vec![Some(5), None, Some(7)])),
                Field::new("f64", Values::F64(vec![0.5, -1.0, f64::MAX])),
                Field::new("opt f64", Values::OptF64(vec![None, Some(2.5), None])),
                Field::new("i64", Values::I64(vec![i64::MIN, 0, i64::MAX])),
                Field::new("opt i64", Values::OptI64(vec![Some(1), Some(2), None])),
                Field::new("body", Values::Utf8(text)).with_labels(labels),
                Field::new("opt utf8", Values::OptUtf8(opt_text)),
                Field::new("str", Values::Str(vec!["x".into(), "yy".into(), "".into()]))
                    .with_config(FieldConfig {
                        unit: Some("ms".into()),
                        ..FieldConfig::default()
                    }),
                Field::new(
                    "opt str",
                    Values::OptStr(vec![None, Some("z".into()), None]),
                ),
                Field::new("bool", Values::Bool(vec![true, false, true])),
                Field::new(
                    "opt bool",
                    Values::OptBool(vec![Some(false), None, Some(true)]),
                ),
                Field::new(
                    "json",
                    Values::Json(vec![json!({"k": "v"}), json!([1, 2]), json!(null)]),
                ),
                Field::new(
                    "opt json",
                    Values::OptJson(vec![None, Some(json!({"a": 1})), None]),
                ),
            ],
        );
        frame.ref_id = "A".into();
        frame.meta = Some(FrameMeta::visualisation("logs"));
        frame
    }

    fn cell(col: &dyn Array, row: usize) -> serde_json::Value {
        use arrow_array::cast::AsArray;
        use arrow_array::types::{Float64Type, Int64Type, TimestampNanosecondType};
        use arrow_schema::DataType;
        if col.is_null(row) {
            return serde_json::Value::Null;
        }
        match col.data_type() {
            DataType::Timestamp(_, None) => {
                json!(col.as_primitive::<TimestampNanosecondType>().value(row))
            }
            DataType::Int64 => json!(col.as_primitive::<Int64Type>().value(row)),
            DataType::Float64 => json!(col.as_primitive::<Float64Type>().value(row)),
            DataType::Utf8 => json!(col.as_string::<i32>().value(row)),
            DataType::Binary => {
                serde_json::from_slice(col.as_binary::<i32>().value(row)).expect("JSON")
            }
            DataType::Boolean => json!(col.as_boolean().value(row)),
            other => panic!("unexpected type {other:?}"),
        }
    }

    /// The frame as arrow-rs reads it (validating every buffer): (name, nullable, metadata, cells).
    type Columns = Vec<(
        String,
        bool,
        BTreeMap<String, String>,
        Vec<serde_json::Value>,
    )>;

    fn read_with_arrow_rs(bytes: &[u8]) -> (BTreeMap<String, String>, Columns) {
        let reader =
            arrow_ipc::reader::FileReader::try_new(std::io::Cursor::new(bytes.to_vec()), None)
                .expect("arrow-rs reads the file");
        let schema = reader.schema();
        let mut columns: Columns = schema
            .fields()
            .iter()
            .map(|f| {
                let md = f.metadata().clone().into_iter().collect();
                (f.name().clone(), f.is_nullable(), md, Vec::new())
            })
            .collect();
        let md = schema.metadata().clone().into_iter().collect();
        for batch in reader {
            let batch = batch.expect("a valid record batch");
            for (i, c) in columns.iter_mut().enumerate() {
                let col = batch.column(i);
                c.3.extend((0..col.len()).map(|r| cell(col.as_ref(), r)));
            }
        }
        (md, columns)
    }

    #[test]
    fn every_kind_of_column_reads_back_with_arrow_rs() {
        let frame = every_kind();
        let (md, columns) = read_with_arrow_rs(&to_arrow(&frame).unwrap());
        assert_eq!(md["name"], "every kind");
        assert_eq!(md["refId"], "A");
        let meta: serde_json::Value = serde_json::from_str(&md["meta"]).unwrap();
        assert_eq!(meta["preferredVisualisationType"], "logs");
        let by_name = |n: &str| columns.iter().find(|c| c.0 == n).unwrap().clone();
        assert_eq!(
            by_name("time").3,
            vec![json!(1), json!(-2), json!(1_795_596_352_000_000_001i64)]
        );
        assert_eq!(by_name("opt time").3, vec![json!(5), json!(null), json!(7)]);
        assert_eq!(
            by_name("f64").3,
            vec![json!(0.5), json!(-1.0), json!(f64::MAX)]
        );
        assert_eq!(
            by_name("opt f64").3,
            vec![json!(null), json!(2.5), json!(null)]
        );
        assert_eq!(
            by_name("i64").3,
            vec![json!(i64::MIN), json!(0), json!(i64::MAX)]
        );
        assert_eq!(by_name("opt i64").3, vec![json!(1), json!(2), json!(null)]);
        let body = by_name("body");
        assert_eq!(
            body.3,
            vec![json!("héllo \"wörld\""), json!(""), json!("line\nbreak")]
        );
        assert!(!body.1, "a Utf8 column without nulls is not nullable");
        assert_eq!(body.2["labels"], r#"{"service_name":"api"}"#);
        assert!(!body.2.contains_key("config"));
        assert_eq!(
            by_name("opt utf8").3,
            vec![json!("a"), json!(null), json!("ç")]
        );
        assert!(by_name("opt utf8").1);
        let str_col = by_name("str");
        assert_eq!(str_col.3, vec![json!("x"), json!("yy"), json!("")]);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&str_col.2["config"]).unwrap()["unit"],
            "ms"
        );
        assert_eq!(
            by_name("opt str").3,
            vec![json!(null), json!("z"), json!(null)]
        );
        assert_eq!(
            by_name("bool").3,
            vec![json!(true), json!(false), json!(true)]
        );
        assert_eq!(
            by_name("opt bool").3,
            vec![json!(false), json!(null), json!(true)]
        );
        assert_eq!(
            by_name("json").3,
            vec![json!({"k": "v"}), json!([1, 2]), json!(null)]
        );
        assert_eq!(
            by_name("opt json").3,
            vec![json!(null), json!({"a": 1}), json!(null)]
        );
        for (name, _, md, _) in &columns {
            assert_eq!(&md["name"], name, "every field carries its name");
        }
    }

    #[test]
    fn the_owned_encoding_writes_the_same_bytes_in_pieces() {
        let frame = every_kind();
        let expected = to_arrow(&frame).unwrap();
        let encoded = to_arrow_owned(frame).unwrap();
        assert_eq!(encoded.len(), expected.len());
        assert_eq!(encoded.to_vec(), expected);
        // Big columns stay separate pieces (moved, not copied); small ones are gathered.
        let mut text = StrColumn::new();
        for i in 0..2_000 {
            text.push(&format!("line {i}"));
        }
        let big = Frame::new(
            "big",
            vec![
                Field::new("t", Values::Time((0..2_000).collect())),
                Field::new("line", Values::Utf8(text)),
            ],
        );
        let expected = to_arrow(&big).unwrap();
        let chunks = to_arrow_owned(big).unwrap().into_chunks();
        let pieces = chunks.into_pieces();
        assert_eq!(pieces.concat(), expected);
        assert!(pieces.len() >= 4, "{} pieces", pieces.len());
    }

    #[test]
    fn small_pieces_merge_and_big_ones_stay() {
        let mut chunks = Chunks::default();
        chunks.put(b"head");
        chunks.put_bytes(bytes::Bytes::from(vec![1u8; 5_000]));
        chunks.put(b"tail");
        chunks.put_bytes(bytes::Bytes::from(vec![2u8; 5_000]));
        chunks.put_bytes(bytes::Bytes::from(vec![3u8; 20_000]));
        chunks.put(b"end");
        let whole = chunks.to_vec();
        let pieces = chunks.into_pieces_of_at_least(8_000);
        assert_eq!(pieces.concat(), whole);
        let sizes: Vec<usize> = pieces.iter().map(|p| p.len()).collect();
        assert_eq!(sizes, vec![4 + 5_000 + 4 + 5_000, 20_000, 3]);
    }

    #[test]
    fn arrow2_reads_the_same_file() {
        use arrow2::array::Array as _;
        use arrow2::io::ipc::read::{FileReader, read_file_metadata};
        let bytes = to_arrow(&every_kind()).unwrap();
        let mut cursor = std::io::Cursor::new(bytes);
        let metadata = read_file_metadata(&mut cursor).expect("arrow2 reads the footer");
        assert_eq!(metadata.schema.fields.len(), 14);
        assert_eq!(metadata.schema.metadata["name"], "every kind");
        let chunks: Vec<_> = FileReader::new(cursor, metadata, None, None)
            .collect::<Result<_, _>>()
            .expect("arrow2 reads the batch");
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].len(), 3);
        let body = chunks[0].arrays()[6]
            .as_any()
            .downcast_ref::<arrow2::array::Utf8Array<i32>>()
            .unwrap();
        assert_eq!(body.value(0), "héllo \"wörld\"");
        let opt = chunks[0].arrays()[7]
            .as_any()
            .downcast_ref::<arrow2::array::Utf8Array<i32>>()
            .unwrap();
        assert_eq!(opt.null_count(), 1);
        assert!(opt.is_null(1));
    }

    #[test]
    fn bodies_are_aligned_and_the_footer_points_at_the_batch() {
        let bytes = to_arrow(&every_kind()).unwrap();
        assert_eq!(&bytes[..8], b"ARROW1\0\0");
        assert_eq!(&bytes[bytes.len() - 6..], b"ARROW1");
        let footer_len =
            i32::from_le_bytes(bytes[bytes.len() - 10..bytes.len() - 6].try_into().unwrap());
        let footer_start = bytes.len() - 10 - footer_len as usize;
        let footer = arrow_ipc::root_as_footer(&bytes[footer_start..bytes.len() - 10]).unwrap();
        let block = footer.recordBatches().unwrap().get(0);
        assert_eq!(block.offset() % 8, 0);
        assert_eq!(block.metaDataLength() % 8, 0);
        let start = block.offset() as usize;
        assert_eq!(&bytes[start..start + 4], &CONTINUATION);
        let body_start = start + block.metaDataLength() as usize;
        assert_eq!(body_start % 8, 0);
        // The end-of-stream marker follows the body.
        let eos = body_start + block.bodyLength() as usize;
        assert_eq!(&bytes[eos..eos + 8], &[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    }

    #[test]
    fn many_rows_and_nulls_past_one_byte_of_bitmap() {
        let values: Vec<Option<i64>> = (0..1000).map(|i| (i % 3 != 0).then_some(i)).collect();
        let frame = Frame::new("big", vec![Field::new("n", Values::OptI64(values.clone()))]);
        let (_, columns) = read_with_arrow_rs(&to_arrow(&frame).unwrap());
        let expected: Vec<_> = values.iter().map(|v| json!(v)).collect();
        assert_eq!(columns[0].3, expected);
    }

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
        let (md, columns) = read_with_arrow_rs(&bytes);
        assert_eq!(md["name"], "empty");
        assert!(columns.is_empty());
    }

    #[test]
    fn a_frame_with_fields_and_no_rows_reads_back_empty() {
        let frame = Frame::new(
            "none",
            vec![
                Field::new("t", Values::Time(vec![])),
                Field::new("s", Values::Utf8(StrColumn::new())),
            ],
        );
        let (_, columns) = read_with_arrow_rs(&to_arrow(&frame).unwrap());
        assert_eq!(columns.len(), 2);
        assert!(columns.iter().all(|c| c.3.is_empty()));
    }
}
