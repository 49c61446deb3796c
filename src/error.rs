//! What every error type shares: a fieldless kind callers can match on.
//!
//! Each error enum of the crate says what went wrong in words (`Display`) and, through
//! `kind()`, which of a closed set of failures it is, so a caller decides (retry, give up,
//! tell the user) without parsing text. [`error_kind!`](crate::error::error_kind) writes
//! the kind enum and `kind()` from the list of variants, so the two cannot drift apart.

/// Declares `$kind`, a fieldless enum with one variant per listed variant of `$error`, and
/// `$error::kind()`. Every variant of `$error` must be listed (the generated `match` is
/// exhaustive), each with a line of doc.
///
/// ```ignore
/// error_kind!(FrameError => FrameErrorKind {
///     /// The frame is larger than allowed.
///     TooLarge,
///     /// The pipe closed mid-frame.
///     Truncated,
/// });
/// ```
macro_rules! error_kind {
    ($error:ident => $kind:ident { $( $(#[$doc:meta])* $variant:ident ),+ $(,)? }) => {
        #[doc = concat!("What kind of [`", stringify!($error), "`] this is, for callers that match.")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $kind {
            $( $(#[$doc])* $variant, )+
        }

        impl $error {
            /// The kind of failure, for callers that match.
            pub fn kind(&self) -> $kind {
                match self {
                    $( $error::$variant { .. } => $kind::$variant, )+
                }
            }
        }
    };
}
pub(crate) use error_kind;

#[cfg(test)]
mod tests {
    #[derive(Debug, thiserror::Error)]
    enum Sample {
        #[error("unit")]
        Unit,
        #[error("tuple {0}")]
        Tuple(u8),
        #[error("fields {a}")]
        Fields { a: u8 },
    }
    error_kind!(Sample => SampleKind {
        /// A unit variant.
        Unit,
        /// A tuple variant.
        Tuple,
        /// A struct variant.
        Fields,
    });

    #[test]
    fn every_shape_of_variant_has_its_kind() {
        assert_eq!(Sample::Unit.kind(), SampleKind::Unit);
        assert_eq!(Sample::Tuple(1).kind(), SampleKind::Tuple);
        assert_eq!(Sample::Fields { a: 1 }.kind(), SampleKind::Fields);
    }
}
