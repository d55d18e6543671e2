//! TCG PTS attributes for file-based measurement (TCG "PTS Protocol: Binding
//! to TNC IF-M", spec digest §9/§9a): protocol capabilities, measurement
//! algorithm request/selection, request file measurement, file measurement,
//! request file metadata and Unix-style file metadata. All use attribute vendor
//! TCG and travel in PA messages of PA subtype TCG/1 (PTS).

use core::fmt;

use tnc_wire::{DecodeError, DecodeErrorKind, EncodeError, Pen, Reader, Writer};

use crate::attribute::{
    AttributeValue, check_encodable, read_text, read_text_in, too_short, validate_text_in,
};
use crate::consts::{TcgAttributeType, UnixFileType};
use crate::seq::{Seq, SeqItem, TextView};

/// The PA subtype of PTS messages (vendor TCG).
pub const PTS_SUBTYPE: u32 = 1;

/// A 16-bit hash algorithm set/selection (MSB-first, spec §9a.1).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct HashAlgorithms(pub u16);

impl HashAlgorithms {
    /// SHA-1 (20-octet digests).
    pub const SHA1: Self = Self(0x8000);
    /// SHA-256 (32-octet digests).
    pub const SHA256: Self = Self(0x4000);
    /// SHA-384 (48-octet digests).
    pub const SHA384: Self = Self(0x2000);
    /// SHA-512 (64-octet digests; a strongSwan extension, reserved in PTS 1.0).
    pub const SHA512: Self = Self(0x1000);

    /// True when every bit of `other` is set here.
    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    /// The union.
    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Exactly one bit set (a valid *selection*).
    pub fn is_single(self) -> bool {
        self.0.count_ones() == 1
    }

    /// Digest length of a single-algorithm value.
    pub fn digest_len(self) -> Option<usize> {
        match self {
            Self::SHA1 => Some(20),
            Self::SHA256 => Some(32),
            Self::SHA384 => Some(48),
            Self::SHA512 => Some(64),
            _ => None,
        }
    }

    /// The strongest algorithm in both sets (SHA-512 > SHA-384 > SHA-256 > SHA-1).
    pub fn strongest_common(self, other: Self) -> Option<Self> {
        [Self::SHA512, Self::SHA384, Self::SHA256, Self::SHA1]
            .into_iter()
            .find(|a| self.contains(*a) && other.contains(*a))
    }

    /// Names of the known bits that are set.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        [
            (Self::SHA1, "SHA-1"),
            (Self::SHA256, "SHA-256"),
            (Self::SHA384, "SHA-384"),
            (Self::SHA512, "SHA-512"),
        ]
        .into_iter()
        .filter(move |(a, _)| self.contains(*a))
        .map(|(_, n)| n)
    }
}

impl fmt::Debug for HashAlgorithms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HashAlgorithms(0x{:04x}", self.0)?;
        for n in self.names() {
            write!(f, " {n}")?;
        }
        f.write_str(")")
    }
}

/// A 16-bit D-H group set (MSB-first, spec §9a.1): `0x8000` MODP-1024 (2),
/// `0x4000` MODP-1536 (5), `0x2000` MODP-2048 (14), `0x1000` ECP-256 (19),
/// `0x0800` ECP-384 (20).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DhGroups(pub u16);

/// PTS protocol capability flags (low 5 bits of a 32-bit word, spec §9a.2).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Capabilities(pub u32);

impl Capabilities {
    /// C: current (in-memory) evidence.
    pub const C: Self = Self(0x10);
    /// V: verification (local validation).
    pub const V: Self = Self(0x08);
    /// D: D-H nonce negotiation.
    pub const D: Self = Self(0x04);
    /// T: trusted platform (TPM) evidence.
    pub const T: Self = Self(0x02);
    /// X: XML evidence.
    pub const X: Self = Self(0x01);
    /// The defined bits.
    pub const MASK: u32 = 0x1F;

    /// True when every flag of `other` is set.
    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Letters of the set flags, e.g. `"VDT"`.
    pub fn letters(self) -> impl Iterator<Item = char> {
        [
            (Self::C, 'C'),
            (Self::V, 'V'),
            (Self::D, 'D'),
            (Self::T, 'T'),
            (Self::X, 'X'),
        ]
        .into_iter()
        .filter(move |(f, _)| self.contains(*f))
        .map(|(_, c)| c)
    }
}

impl fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Capabilities(")?;
        for c in self.letters() {
            write!(f, "{c}")?;
        }
        f.write_str(")")
    }
}

fn decode_caps(r: &mut Reader<'_>) -> Result<Capabilities, DecodeError> {
    if r.remaining() < 4 {
        return Err(too_short(r, "PTS protocol capabilities", 4));
    }
    let v = r.u32()?;
    // receivers accept more than 4 octets and ignore reserved bits (§9a.2)
    r.rest();
    Ok(Capabilities(v & Capabilities::MASK))
}

fn encode_caps(c: Capabilities, w: &mut Writer<'_>) -> Result<(), EncodeError> {
    if c.0 & !Capabilities::MASK != 0 {
        return Err(EncodeError::OutOfRange {
            field: "PTS capability flags",
            value: u64::from(c.0),
        });
    }
    w.u32(c.0);
    Ok(())
}

macro_rules! caps_attr {
    ($(#[$m:meta])* $name:ident, $ty:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name {
            /// Capability flags.
            pub capabilities: Capabilities,
        }

        impl<'a> AttributeValue<'a> for $name {
            const VENDOR: Pen = Pen::TCG;
            const TYPE: u32 = $ty.0;
            fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
                Ok(Self { capabilities: decode_caps(r)? })
            }
            fn value_len(&self) -> usize {
                4
            }
            fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
                encode_caps(self.capabilities, w)
            }
        }
    };
}

caps_attr!(
    /// Request PTS Protocol Capabilities (`0x01000000`, V→C): the flags the IMV wants.
    RequestProtocolCapabilities,
    TcgAttributeType::REQUEST_PROTOCOL_CAPABILITIES
);
caps_attr!(
    /// PTS Protocol Capabilities (`0x02000000`, C→V): the flags the IMC offers.
    ProtocolCapabilities,
    TcgAttributeType::PROTOCOL_CAPABILITIES
);

/// PTS Measurement Algorithm Request (`0x06000000`, V→C): acceptable algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeasurementAlgorithmRequest {
    /// Every acceptable algorithm.
    pub algorithms: HashAlgorithms,
}

/// PTS Measurement Algorithm Selection (`0x07000000`, C→V): exactly one algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeasurementAlgorithmSelection {
    /// The selected algorithm (exactly one bit).
    pub algorithm: HashAlgorithms,
}

impl<'a> AttributeValue<'a> for MeasurementAlgorithmRequest {
    const VENDOR: Pen = Pen::TCG;
    const TYPE: u32 = TcgAttributeType::MEASUREMENT_ALGORITHM_REQUEST.0;
    fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        if r.remaining() < 4 {
            return Err(too_short(r, "measurement algorithm request", 4));
        }
        r.skip(2)?;
        Ok(Self {
            algorithms: HashAlgorithms(r.u16()?),
        })
    }
    fn value_len(&self) -> usize {
        4
    }
    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u16(0);
        w.u16(self.algorithms.0);
        Ok(())
    }
}

impl<'a> AttributeValue<'a> for MeasurementAlgorithmSelection {
    const VENDOR: Pen = Pen::TCG;
    const TYPE: u32 = TcgAttributeType::MEASUREMENT_ALGORITHM_SELECTION.0;
    fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        if r.remaining() < 4 {
            return Err(too_short(r, "measurement algorithm selection", 4));
        }
        r.skip(2)?;
        let at = r.offset();
        let algorithm = HashAlgorithms(r.u16()?);
        if !algorithm.is_single() {
            return Err(DecodeError::invalid(
                at,
                "selected measurement algorithm (exactly one bit)",
                u64::from(algorithm.0),
            ));
        }
        Ok(Self { algorithm })
    }
    fn value_len(&self) -> usize {
        4
    }
    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if !self.algorithm.is_single() {
            return Err(EncodeError::OutOfRange {
                field: "selected measurement algorithm (exactly one bit)",
                value: u64::from(self.algorithm.0),
            });
        }
        w.u16(0);
        w.u16(self.algorithm.0);
        Ok(())
    }
}

/// The `/` delimiter of Request File Measurement.
pub const DELIMITER_SLASH: u32 = 0x2F;
/// The `\` delimiter of Request File Measurement.
pub const DELIMITER_BACKSLASH: u32 = 0x5C;

/// Request File Measurement (`0x00C00000`, V→C).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestFileMeasurement<'a> {
    /// D flag: measure the files inside the directory.
    pub directory: bool,
    /// Request ID, echoed in the File Measurement.
    pub request_id: u16,
    /// Path delimiter as a 32-bit number (`0x2F` or `0x5C`; other values are
    /// answered by the IMC with PTS error 10, they are not a decoding error).
    pub delimiter: u32,
    /// Fully qualified path name.
    pub path: &'a str,
}

impl RequestFileMeasurement<'_> {
    /// True when the delimiter is `/` or `\` (else: PTS error 10).
    pub fn delimiter_is_valid(&self) -> bool {
        matches!(self.delimiter, DELIMITER_SLASH | DELIMITER_BACKSLASH)
    }
}

impl<'a> AttributeValue<'a> for RequestFileMeasurement<'a> {
    const VENDOR: Pen = Pen::TCG;
    const TYPE: u32 = TcgAttributeType::REQUEST_FILE_MEASUREMENT.0;
    fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        if r.remaining() < 8 {
            return Err(too_short(r, "request file measurement", 8));
        }
        let flags = r.u8()?;
        r.skip(1)?;
        let request_id = r.u16()?;
        let delimiter = r.u32()?;
        let n = r.remaining();
        Ok(Self {
            directory: flags & 0x80 != 0,
            request_id,
            delimiter,
            path: read_text(r, n, "file pathname")?,
        })
    }
    fn value_len(&self) -> usize {
        8 + self.path.len()
    }
    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        check_encodable(self.path, "file pathname")?;
        w.u8(if self.directory { 0x80 } else { 0 });
        w.u8(0);
        w.u16(self.request_id);
        w.u32(self.delimiter);
        w.bytes(self.path.as_bytes());
        Ok(())
    }
}

/// One File Measurement entry: digest and file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileMeasurementEntry<'a> {
    /// Digest of the file content (Measurement Length octets).
    pub digest: &'a [u8],
    /// File name (basename, or the name relative to the requested directory).
    pub name: &'a str,
}

impl FileMeasurementEntry<'_> {
    /// Reads the Filename Length and checks it against the octets left.
    fn name_len(r: &mut Reader<'_>) -> Result<usize, DecodeError> {
        let lo = r.offset();
        let len = usize::from(r.u16()?);
        if len > r.remaining() {
            return Err(DecodeError::new(
                lo,
                DecodeErrorKind::LengthTooLarge {
                    field: "filename length",
                    max: r.remaining() as u64,
                    actual: len as u64,
                },
            ));
        }
        Ok(len)
    }
}

impl<'a> SeqItem<'a> for FileMeasurementEntry<'a> {
    fn read(r: &mut Reader<'a>, m: u16) -> Result<Self, DecodeError> {
        Self::read_in(r, m, TextView::default())
    }
    fn validate(r: &mut Reader<'a>, m: u16, view: TextView<'a>) -> Result<(), DecodeError> {
        r.skip(usize::from(m))?;
        let len = Self::name_len(r)?;
        validate_text_in(r, len, "filename", view)
    }
    fn read_in(r: &mut Reader<'a>, m: u16, view: TextView<'a>) -> Result<Self, DecodeError> {
        let digest = r.bytes(usize::from(m))?;
        let len = Self::name_len(r)?;
        Ok(Self {
            digest,
            name: read_text_in(r, len, "filename", view)?,
        })
    }
    fn wire_len(&self, m: u16) -> usize {
        usize::from(m) + 2 + self.name.len()
    }
    fn write(&self, w: &mut Writer<'_>, m: u16) -> Result<(), EncodeError> {
        if self.digest.len() != usize::from(m) {
            return Err(EncodeError::OutOfRange {
                field: "digest length (must equal the measurement length)",
                value: self.digest.len() as u64,
            });
        }
        check_encodable(self.name, "filename")?;
        let len = u16::try_from(self.name.len()).map_err(|_| EncodeError::LengthOverflow {
            field: "filename length",
            len: self.name.len() as u64,
            bits: 16,
        })?;
        w.bytes(self.digest);
        w.u16(len);
        w.bytes(self.name.as_bytes());
        Ok(())
    }
}

/// File Measurement (`0x00D00000`, C→V).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileMeasurement<'a> {
    /// Request ID copied from the request.
    pub request_id: u16,
    /// Measurement Length: the digest size common to all entries.
    pub measurement_len: u16,
    /// The entries.
    pub files: Seq<'a, FileMeasurementEntry<'a>>,
}

impl<'a> AttributeValue<'a> for FileMeasurement<'a> {
    const VENDOR: Pen = Pen::TCG;
    const TYPE: u32 = TcgAttributeType::FILE_MEASUREMENT.0;
    fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        if r.remaining() < 12 {
            return Err(too_short(r, "file measurement", 12));
        }
        let count_at = r.offset();
        let count = r.u64()?;
        let request_id = r.u16()?;
        let measurement_len = r.u16()?;
        let files = Seq::read(
            r,
            count,
            usize::from(measurement_len) + 2,
            measurement_len,
            count_at,
        )?;
        Ok(Self {
            request_id,
            measurement_len,
            files,
        })
    }
    fn decode_validated(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let count = r.u64()?;
        let request_id = r.u16()?;
        let measurement_len = r.u16()?;
        Ok(Self {
            request_id,
            measurement_len,
            files: Seq::trusted(r, count, measurement_len),
        })
    }
    fn value_len(&self) -> usize {
        12 + self.files.wire_len(self.measurement_len)
    }
    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u64(self.files.len() as u64);
        w.u16(self.request_id);
        w.u16(self.measurement_len);
        self.files.write(w, self.measurement_len)
    }
}

/// Request File Metadata (`0x00700000`, V→C); note the 1-octet delimiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestFileMetadata<'a> {
    /// D flag: the files inside the directory.
    pub directory: bool,
    /// Path delimiter octet (`0x2F` or `0x5C`).
    pub delimiter: u8,
    /// Fully qualified path name.
    pub path: &'a str,
}

impl<'a> AttributeValue<'a> for RequestFileMetadata<'a> {
    const VENDOR: Pen = Pen::TCG;
    const TYPE: u32 = TcgAttributeType::REQUEST_FILE_METADATA.0;
    fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        if r.remaining() < 4 {
            return Err(too_short(r, "request file metadata", 4));
        }
        let flags = r.u8()?;
        let delimiter = r.u8()?;
        r.skip(2)?;
        let n = r.remaining();
        Ok(Self {
            directory: flags & 0x80 != 0,
            delimiter,
            path: read_text(r, n, "file pathname")?,
        })
    }
    fn value_len(&self) -> usize {
        4 + self.path.len()
    }
    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        check_encodable(self.path, "file pathname")?;
        w.u8(if self.directory { 0x80 } else { 0 });
        w.u8(self.delimiter);
        w.u16(0);
        w.bytes(self.path.as_bytes());
        Ok(())
    }
}

/// One Unix-style file metadata entry (52 fixed octets + name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnixFileMetadataEntry<'a> {
    /// File type.
    pub file_type: UnixFileType,
    /// Size in octets.
    pub size: u64,
    /// Create time (strongSwan: `st_ctime` seconds).
    pub create_time: u64,
    /// Last modify time.
    pub modify_time: u64,
    /// Last access time.
    pub access_time: u64,
    /// Numeric owner id.
    pub owner: u64,
    /// Numeric group id.
    pub group: u64,
    /// File name.
    pub name: &'a str,
}

const UNIX_ENTRY_FIXED: usize = 52;

impl<'a> SeqItem<'a> for UnixFileMetadataEntry<'a> {
    fn read(r: &mut Reader<'a>, _: u16) -> Result<Self, DecodeError> {
        let lo = r.offset();
        let len = usize::from(r.u16()?);
        if len < UNIX_ENTRY_FIXED {
            return Err(DecodeError::new(
                lo,
                DecodeErrorKind::LengthTooShort {
                    field: "file metadata length",
                    min: UNIX_ENTRY_FIXED as u64,
                    actual: len as u64,
                },
            ));
        }
        if len - 2 > r.remaining() {
            return Err(DecodeError::new(
                lo,
                DecodeErrorKind::LengthTooLarge {
                    field: "file metadata length",
                    max: (r.remaining() + 2) as u64,
                    actual: len as u64,
                },
            ));
        }
        let file_type = UnixFileType(r.u8()?);
        r.skip(1)?;
        Ok(Self {
            file_type,
            size: r.u64()?,
            create_time: r.u64()?,
            modify_time: r.u64()?,
            access_time: r.u64()?,
            owner: r.u64()?,
            group: r.u64()?,
            name: read_text(r, len - UNIX_ENTRY_FIXED, "filename")?,
        })
    }
    fn wire_len(&self, _: u16) -> usize {
        UNIX_ENTRY_FIXED + self.name.len()
    }
    fn write(&self, w: &mut Writer<'_>, _: u16) -> Result<(), EncodeError> {
        check_encodable(self.name, "filename")?;
        let len = u16::try_from(UNIX_ENTRY_FIXED + self.name.len()).map_err(|_| {
            EncodeError::LengthOverflow {
                field: "file metadata length",
                len: (UNIX_ENTRY_FIXED + self.name.len()) as u64,
                bits: 16,
            }
        })?;
        w.u16(len);
        w.u8(self.file_type.0);
        w.u8(0);
        w.u64(self.size);
        w.u64(self.create_time);
        w.u64(self.modify_time);
        w.u64(self.access_time);
        w.u64(self.owner);
        w.u64(self.group);
        w.bytes(self.name.as_bytes());
        Ok(())
    }
}

/// Unix-Style File Metadata (`0x00900000`, C→V).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnixFileMetadata<'a> {
    /// The entries.
    pub files: Seq<'a, UnixFileMetadataEntry<'a>>,
}

impl<'a> AttributeValue<'a> for UnixFileMetadata<'a> {
    const VENDOR: Pen = Pen::TCG;
    const TYPE: u32 = TcgAttributeType::UNIX_STYLE_FILE_METADATA.0;
    fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        if r.remaining() < 8 {
            return Err(too_short(r, "unix-style file metadata", 8));
        }
        let count_at = r.offset();
        let count = r.u64()?;
        Ok(Self {
            files: Seq::read(r, count, UNIX_ENTRY_FIXED, 0, count_at)?,
        })
    }
    fn decode_validated(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let count = r.u64()?;
        Ok(Self {
            files: Seq::trusted(r, count, 0),
        })
    }
    fn value_len(&self) -> usize {
        8 + self.files.wire_len(0)
    }
    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u64(self.files.len() as u64);
        self.files.write(w, 0)
    }
}
