//! PB-TNC (work in progress).
#![forbid(unsafe_code)]

pub mod batch;
pub mod consts;
mod error;
pub mod message;
pub mod session;
pub mod state;

pub use batch::{Batch, BatchWriter, encode_batch};
pub use consts::{AccessRecommendation, AssessmentResult, BatchType, ErrorCode};
pub use error::Error;
pub use message::{ErrorParameters, Message, PbError};
pub use session::{Event, Limits, Session};
pub use state::{Role, State};
pub mod broker;
pub use broker::{
    Decision, ImcSet, ImvSet, Outcome, RecommendationPolicy, Step, Tncc, TnccConfig, Tncs,
    TncsConfig,
};
