pub mod fault_server;
pub mod notify;
pub mod piboard;
pub mod tls;
