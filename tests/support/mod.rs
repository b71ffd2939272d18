//! Helpers shared by the integration tests.
#![allow(unreachable_pub)]

pub mod app;
pub mod fake_server;
pub mod lab;
pub mod seed_data;
