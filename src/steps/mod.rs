//! One component per step of the flow; [`frame::StepFrame`] gives each the same heading, error
//! summary and buttons.

pub mod address;
pub mod document;
pub mod frame;
pub mod notice;
pub mod personal;
pub mod photos;
pub mod result;
pub mod review;
