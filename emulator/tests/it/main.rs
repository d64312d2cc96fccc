//! Integration tests: every test spawns the real `momento-emulator` binary and talks HTTP to it.

mod admin;
mod auth;
mod cache;
mod curl;
mod faults;
mod harness;
mod lifecycle;
mod topics;
