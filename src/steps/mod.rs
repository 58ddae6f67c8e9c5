//! One component per step of the flow.

pub mod personal;
