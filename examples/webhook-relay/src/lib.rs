//! Webhook relay.

pub mod verify;
