pub mod fault_server;
pub mod piboard;
