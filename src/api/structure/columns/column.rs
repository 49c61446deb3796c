//! Columns: fixed-width little-endian values, their wire form (a byte string, or a run),
//! and their writer and checked reader.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_bytes::ByteBuf;

/// A fixed-width little-endian value of a column.
pub(super) trait Le: Copy {
    const WIDTH: usize;
    fn put(self, out: &mut Vec<u8>);
    fn get(b: &[u8]) -> Self;
    /// Member `i` of a run starting at `start` (integer columns only).
    fn run(_start: i64, _i: usize) -> Option<Self> {
        None
    }
    /// This value as a run's start, if it is an integer.
    fn as_run(self) -> Option<i64> {
        None
    }
    /// Bit for bit the same value (−0.0 is not the default 0.0).
    fn same_bits(self, other: Self) -> bool;
}

/// Implements [`Le`] for each type; `ints:` adds runs.
macro_rules! le {
    (@one $t:ty; $($extra:tt)*) => {
        impl Le for $t {
            const WIDTH: usize = std::mem::size_of::<$t>();
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn get(b: &[u8]) -> Self {
                <$t>::from_le_bytes(b.try_into().expect("sliced to WIDTH"))
            }
            fn same_bits(self, other: Self) -> bool {
                self.to_le_bytes() == other.to_le_bytes()
            }
            $($extra)*
        }
    };
    (ints: $($t:ty),*) => {$(
        le!(@one $t;
            fn run(start: i64, i: usize) -> Option<Self> {
                run_value(start, i).and_then(|v| Self::try_from(v).ok())
            }
            fn as_run(self) -> Option<i64> {
                Some(self.into())
            }
        );
    )*};
    ($($t:ty),*) => {$( le!(@one $t;); )*};
}
le!(u8, u32, f32);
le!(ints: i32, i64);

/// `start + i`, if it fits.
pub(super) fn run_value(start: i64, i: usize) -> Option<i64> {
    start.checked_add(i64::try_from(i).ok()?)
}
/// A column on the wire: one value per member, or, for an integer column whose every
/// member is one more than the one before (the session's indices, a file's serials), only
/// the first member's value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Column {
    Values(ByteBuf),
    Run(i64),
}

impl Serialize for Column {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Column::Values(b) => b.serialize(s),
            Column::Run(start) => s.serialize_i64(*start),
        }
    }
}

impl<'de> Deserialize<'de> for Column {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Column;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a column: a byte string, or an integer starting a run")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Column, E> {
                Ok(Column::Values(ByteBuf::from(v)))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Column, E> {
                Ok(Column::Values(ByteBuf::from(v)))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Column, E> {
                Ok(Column::Run(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Column, E> {
                i64::try_from(v)
                    .map(Column::Run)
                    .map_err(|_| E::custom("a run's start must fit in 64 signed bits"))
            }
        }
        d.deserialize_any(V)
    }
}

/// No column: every member has the level's default.
pub(super) static NONE: Option<Column> = None;

/// A column being read: checked against its level's count when opened.
pub(super) struct In<'a, T> {
    pub(super) bytes: Option<&'a [u8]>,
    run: Option<i64>,
    default: T,
}

impl<'a, T: Le> In<'a, T> {
    /// A column of `default`s.
    fn absent(default: T) -> Self {
        In {
            bytes: None,
            run: None,
            default,
        }
    }

    /// A column of a stored complex, checked when it was stored: read as it is (as the
    /// level's defaults, were it ever not to fit).
    pub(super) fn stored(col: &'a Option<Column>, n: usize, default: T) -> Self {
        Self::open(col, n, default, "").unwrap_or(Self::absent(default))
    }

    /// Whether every member has the same value in `self` and `other` (both of `n`
    /// members), however each is sent.
    pub(super) fn same(&self, other: &Self, n: usize) -> bool {
        match (self.bytes, other.bytes) {
            (Some(a), Some(b)) => a == b,
            _ => (0..n).all(|i| self.get(i).same_bits(other.get(i))),
        }
    }

    pub(super) fn open(
        col: &'a Option<Column>,
        n: usize,
        default: T,
        what: &str,
    ) -> Result<Self, String> {
        match col {
            None => Ok(In {
                bytes: None,
                run: None,
                default,
            }),
            Some(Column::Values(b)) if b.len() == n * T::WIDTH => Ok(In {
                bytes: Some(&b[..]),
                run: None,
                default,
            }),
            Some(Column::Values(b)) => Err(format!(
                "column {what} has {} bytes; {n} values of {} bytes need {}",
                b.len(),
                T::WIDTH,
                n * T::WIDTH
            )),
            // Both ends in range: every member between them is.
            Some(Column::Run(start))
                if T::run(*start, 0).is_some() && T::run(*start, n.saturating_sub(1)).is_some() =>
            {
                Ok(In {
                    bytes: None,
                    run: Some(*start),
                    default,
                })
            }
            Some(Column::Run(start)) => Err(format!(
                "column {what} is a run from {start}, but it is not an integer column or its \
                 {n} values do not fit"
            )),
        }
    }
    /// Opens a column a level with members must carry.
    pub(super) fn required(
        col: &'a Option<Column>,
        n: usize,
        default: T,
        what: &str,
    ) -> Result<Self, String> {
        if n > 0 && col.is_none() {
            return Err(format!("column {what} is missing ({n} values expected)"));
        }
        Self::open(col, n, default, what)
    }
    #[inline]
    pub(super) fn get(&self, i: usize) -> T {
        match (self.bytes, self.run) {
            (Some(b), _) => T::get(&b[i * T::WIDTH..(i + 1) * T::WIDTH]),
            (None, Some(start)) => T::run(start, i).unwrap_or(self.default),
            (None, None) => self.default,
        }
    }
}

impl<T: Le> In<'_, T> {
    /// The first member whose value fails `ok`, with that value.
    pub(super) fn find_bad(&self, ok: impl Fn(T) -> bool) -> Option<(usize, T)> {
        let b = self.bytes?;
        b.chunks_exact(T::WIDTH)
            .map(T::get)
            .enumerate()
            .find(|(_, v)| !ok(*v))
    }
}

/// The values of column `col` (of `n` values) as a byte string to write into: a missing
/// column or a run is written out first.
pub(super) fn values_mut<T: Le>(col: &mut Option<Column>, n: usize, default: T) -> &mut [u8] {
    let bytes = match col.take() {
        Some(Column::Values(b)) if b.len() == n * T::WIDTH => b,
        other => {
            let from = In::stored(&other, n, default);
            let mut bytes = Vec::with_capacity(n * T::WIDTH);
            for i in 0..n {
                from.get(i).put(&mut bytes);
            }
            ByteBuf::from(bytes)
        }
    };
    match col.insert(Column::Values(bytes)) {
        Column::Values(b) => b,
        Column::Run(_) => unreachable!("a byte string was just inserted"),
    }
}

/// A column being written, and whether any value differs from the level's default (a
/// column of defaults is left out, and costs no memory while it is written: its bytes are
/// allocated at the first other value). All of a level's columns are written in one pass
/// over its members: a pass per column reads the whole tree once per column, which
/// measured three times slower.
pub(super) struct Out<T> {
    bytes: Vec<u8>,
    /// Values the column will hold.
    n: usize,
    /// Defaults pushed before the first other value (then the bytes count).
    pushed: usize,
    default: T,
    used: bool,
}

impl<T: Le> Out<T> {
    pub(super) fn new(n: usize, default: T) -> Self {
        Out {
            bytes: Vec::new(),
            n,
            pushed: 0,
            default,
            used: false,
        }
    }

    #[inline]
    pub(super) fn push(&mut self, v: T) {
        if !self.used {
            if v.same_bits(self.default) {
                self.pushed += 1;
                return;
            }
            self.write_defaults();
        }
        v.put(&mut self.bytes);
    }

    /// Starts the bytes: the defaults pushed so far, written out.
    #[cold]
    fn write_defaults(&mut self) {
        self.used = true;
        self.bytes.reserve_exact(self.n * T::WIDTH);
        for _ in 0..self.pushed {
            self.default.put(&mut self.bytes);
        }
    }

    /// The column, or `None` when every value is the default.
    pub(super) fn finish(self) -> Option<Column> {
        self.used.then(|| Column::Values(ByteBuf::from(self.bytes)))
    }

    /// The column even when every value is the default (a level's required column).
    pub(super) fn always(mut self) -> Option<Column> {
        if !self.used {
            self.write_defaults();
        }
        Some(Column::Values(ByteBuf::from(self.bytes)))
    }

    /// As [`Out::finish`], sent as a run when each value is one more than the one before.
    pub(super) fn finish_run(self) -> Option<Column> {
        if !self.used {
            return None;
        }
        let Some(start) = T::get(&self.bytes[..T::WIDTH]).as_run() else {
            return Some(Column::Values(ByteBuf::from(self.bytes)));
        };
        let is_run = self
            .bytes
            .chunks_exact(T::WIDTH)
            .enumerate()
            .all(|(i, v)| T::get(v).as_run() == run_value(start, i));
        Some(if is_run {
            Column::Run(start)
        } else {
            Column::Values(ByteBuf::from(self.bytes))
        })
    }
}
