use super::*;

fn res(json: &str) -> Resources {
    resources(json.as_bytes()).unwrap_or_else(|f| panic!("{}", f.message))
}

fn status(json: &str) -> ClusterStatus {
    cluster_status(json.as_bytes()).unwrap_or_else(|f| panic!("{}", f.message))
}

#[test]
fn every_field_may_be_missing() {
    let r = res(r#"{"data":[
        {"type":"node","id":"node/pve1"},
        {"type":"qemu","id":"qemu/101"},
        {"type":"lxc","vmid":202,"node":"pve1"},
        {"type":"storage","id":"storage/pve1/local"},
        {"type":"qemu"},
        {}
    ]}"#);
    assert_eq!(
        r.nodes,
        [Node {
            name: "pve1".into(),
            online: false,
            cpu: None,
            mem_used: None,
            mem_total: None,
            uptime_s: None,
            load: None,
        }]
    );
    // A guest without vmid or id cannot be named, so it is left out.
    assert_eq!(r.guests.len(), 2);
    assert_eq!(
        (r.guests[0].vmid, r.guests[0].name.as_str()),
        (101, "VM 101")
    );
    assert_eq!(r.guests[0].state, GuestState::Unknown);
    assert_eq!(
        (r.guests[1].vmid, r.guests[1].name.as_str()),
        (202, "CT 202")
    );
    assert!(!r.guests[1].template);
    assert_eq!(r.storage.len(), 1);
    assert_eq!(r.storage[0].name, "local");
    assert_eq!((r.storage[0].used, r.storage[0].total), (0, 0));
    assert!(!r.storage[0].available);
}

#[test]
fn booleans_come_as_0_and_1_and_numbers_as_strings() {
    let r = res(r#"{"data":[
        {"type":"qemu","vmid":"9000","name":"tmpl","node":"a","status":"stopped","template":1},
        {"type":"qemu","vmid":100,"name":"vm","node":"a","status":"running","template":0},
        {"type":"lxc","vmid":101,"name":12345,"node":"a","status":"running","template":"1"},
        {"type":"storage","storage":"ceph","node":"a","status":"available","shared":1,"disk":"10","maxdisk":100},
        {"type":"node","node":"a","status":"online","cpu":"0.25","mem":1,"maxmem":4,"uptime":60.0}
    ]}"#);
    let t: Vec<(u32, bool)> = r.guests.iter().map(|g| (g.vmid, g.template)).collect();
    assert_eq!(t, [(9000, true), (100, false), (101, true)]);
    assert_eq!(r.guests[2].name, "12345");
    assert!(r.storage[0].shared && r.storage[0].node.is_none());
    assert_eq!((r.storage[0].used, r.storage[0].total), (10, 100));
    assert_eq!(r.nodes[0].cpu, Some(0.25));
    assert_eq!(r.nodes[0].uptime_s, Some(60));
}

#[test]
fn wrong_types_in_a_field_do_not_sink_the_answer() {
    let r = res(r#"{"data":[
        {"type":"node","node":"a","status":"online","cpu":{"x":1},"mem":[1,2],"maxmem":true,"uptime":-5},
        {"type":"qemu","vmid":1.5,"node":"a"},
        {"type":"qemu","vmid":-1,"node":"a"}
    ]}"#);
    assert_eq!(r.nodes[0].cpu, None);
    assert_eq!(r.nodes[0].mem_used, None);
    assert_eq!(r.nodes[0].mem_total, None);
    assert_eq!(r.nodes[0].uptime_s, None);
    assert!(r.guests.is_empty());
}

#[test]
fn unknown_types_are_ignored() {
    let r = res(r#"{"data":[
        {"type":"pool","id":"/pool/prod","pool":"prod"},
        {"type":"sdn","id":"sdn/a/localnetwork","sdn":"localnetwork","node":"a","status":"ok"},
        {"type":"network","id":"network/a/vmbr0","node":"a"},
        {"type":"openvz","vmid":5},
        {"type":"node","node":"a","status":"online"}
    ]}"#);
    assert_eq!(r.nodes.len(), 1);
    assert!(r.guests.is_empty() && r.storage.is_empty());
}

#[test]
fn shared_storage_is_counted_once_and_local_storage_per_node() {
    let r = res(r#"{"data":[
        {"type":"storage","id":"storage/a/ceph","storage":"ceph","node":"a","status":"available","shared":1,"disk":640,"maxdisk":1000},
        {"type":"storage","id":"storage/b/ceph","storage":"ceph","node":"b","status":"available","shared":1,"disk":640,"maxdisk":1000},
        {"type":"storage","id":"storage/c/ceph","storage":"ceph","node":"c","status":"unknown","shared":1},
        {"type":"storage","id":"storage/a/local","storage":"local","node":"a","status":"available","shared":0,"disk":1,"maxdisk":10},
        {"type":"storage","id":"storage/b/local","storage":"local","node":"b","status":"available","shared":0,"disk":2,"maxdisk":10}
    ]}"#);
    let names: Vec<(String, Option<String>)> = r
        .storage
        .iter()
        .map(|s| (s.name.clone(), s.node.clone()))
        .collect();
    assert_eq!(
        names,
        [
            ("ceph".into(), None),
            ("local".into(), Some("a".into())),
            ("local".into(), Some("b".into())),
        ]
    );
    assert!(r.storage[0].available);
    assert_eq!(r.storage[0].total, 1000);
}

#[test]
fn a_shared_pool_first_seen_from_an_offline_node_takes_the_good_entry() {
    let r = res(r#"{"data":[
        {"type":"storage","storage":"nfs","node":"c","status":"unknown","shared":1},
        {"type":"storage","storage":"nfs","node":"a","status":"available","shared":1,"disk":5,"maxdisk":50}
    ]}"#);
    assert_eq!(r.storage.len(), 1);
    assert!(r.storage[0].available);
    assert_eq!((r.storage[0].used, r.storage[0].total), (5, 50));
}

#[test]
fn cluster_status_gives_quorum_and_node_flags() {
    let s = status(
        r#"{"data":[
        {"type":"cluster","id":"cluster","name":"homelab","nodes":2,"quorate":1,"version":7},
        {"type":"node","id":"node/a","name":"a","nodeid":1,"online":1,"local":1},
        {"type":"node","id":"node/b","name":"b","nodeid":2,"online":0}
    ]}"#,
    );
    assert_eq!(s.quorate, Some(true));
    assert_eq!(
        s.nodes,
        [("a".to_owned(), Some(true)), ("b".to_owned(), Some(false))]
    );
    // A single node outside any cluster has no cluster entry.
    let single = status(r#"{"data":[{"type":"node","name":"pve","online":1}]}"#);
    assert_eq!(single.quorate, None);
}

fn healthy(node_b: &str) -> Resources {
    res(&format!(
        r#"{{"data":[
        {{"type":"node","node":"a","status":"online","cpu":0.1}},
        {{"type":"node","node":"b","status":"{node_b}"}},
        {{"type":"qemu","vmid":100,"name":"x","node":"b","status":"running"}},
        {{"type":"lxc","vmid":200,"name":"y","node":"a","status":"running"}},
        {{"type":"storage","storage":"local","node":"a","status":"available"}}
    ]}}"#
    ))
}

#[test]
fn guests_on_a_node_that_is_not_online_are_unknown() {
    for b in ["offline", "unknown"] {
        let d = snapshot(&ClusterStatus::default(), healthy(b)).expect("snapshot");
        let states: Vec<GuestState> = d.guests.iter().map(|g| g.state).collect();
        assert_eq!(states, [GuestState::Unknown, GuestState::Running], "{b}");
    }
}

#[test]
fn cluster_status_can_take_a_node_offline_and_add_missing_ones() {
    let s = ClusterStatus {
        quorate: Some(true),
        nodes: vec![("b".into(), Some(false)), ("c".into(), Some(true))],
    };
    let d = snapshot(&s, healthy("online")).expect("snapshot");
    let nodes: Vec<(&str, bool)> = d
        .nodes
        .iter()
        .map(|n| (n.name.as_str(), n.online))
        .collect();
    assert_eq!(nodes, [("a", true), ("b", false), ("c", true)]);
    assert_eq!(d.guests[0].state, GuestState::Unknown);
    assert_eq!(d.quorate, Some(true));
}

#[test]
fn a_token_that_sees_only_nodes_is_named_as_privilege_separation() {
    let r = res(
        r#"{"data":[{"type":"node","node":"a","status":"online"},{"type":"node","node":"b","status":"online"}]}"#,
    );
    let Err(f) = snapshot(&ClusterStatus::default(), r) else {
        panic!("nodes without guests or storage must fail")
    };
    assert_eq!(f.kind, FailureKind::Auth);
    assert!(
        f.message.contains("sees 2 nodes but no guest or storage"),
        "{}",
        f.message
    );
    assert!(f.message.contains("privilege separation"), "{}", f.message);
    assert!(f.message.contains("PVEAuditor role on /"), "{}", f.message);

    let Err(f) = snapshot(&ClusterStatus::default(), Resources::default()) else {
        panic!("an empty view must fail")
    };
    assert!(f.message.contains("sees no node"), "{}", f.message);
}

#[test]
fn a_cluster_without_guests_but_with_storage_is_fine() {
    let r = res(
        r#"{"data":[{"type":"node","node":"a","status":"online"},{"type":"storage","storage":"local","node":"a"}]}"#,
    );
    assert!(snapshot(&ClusterStatus::default(), r).is_ok());
}

#[test]
fn bodies_that_are_not_the_documented_envelope_are_bad_responses() {
    for body in [
        "",
        "<html>",
        r#"{"data":null}"#,
        r#"{"data":{"a":1}}"#,
        "[]",
    ] {
        let Err(f) = resources(body.as_bytes()) else {
            panic!("{body:?} must fail")
        };
        assert_eq!(f.kind, FailureKind::BadResponse, "{body:?}");
    }
}

#[test]
fn error_bodies_new_old_and_none() {
    // New: the message in the body, beating the status line.
    assert_eq!(
        error_detail(
            Some("Forbidden"),
            br#"{"data":null,"message":"Permission check failed (/, Sys.Audit)\n"}"#,
        )
        .as_deref(),
        Some("Permission check failed (/, Sys.Audit)")
    );
    // Old: {"data":null}, the words only in the status line.
    assert_eq!(
        error_detail(Some("authentication failure"), br#"{"data":null}"#).as_deref(),
        Some("authentication failure")
    );
    // Parameter errors, with either.
    assert_eq!(
        error_detail(
            Some("Parameter verification failed."),
            br#"{"data":null,"errors":{"type":"value 'x' does not have a value in the enumeration"}}"#,
        )
        .as_deref(),
        Some("Parameter verification failed.; type: value 'x' does not have a value in the enumeration")
    );
    assert_eq!(
        error_detail(None, br#"{"errors":"bad"}"#).as_deref(),
        Some("bad")
    );
    // Nothing in the API's words: the shared failure path quotes the rest.
    assert_eq!(error_detail(None, b""), None);
    assert_eq!(error_detail(None, br#"{"data":null}"#), None);
    assert_eq!(error_detail(Some("  "), b"upstream down\n"), None);
}

#[test]
fn entries_of_no_documented_type_are_a_wrong_answer_not_a_blind_token() {
    // Every string turned into a number (tests/faults.rs, "strings as
    // numbers"): entries, but not one the API documents.
    let r = resources(br#"{"data":[{"type":42,"id":42,"status":42},{"type":42,"id":42}]}"#);
    let Err(f) = r else {
        panic!("accepted entries of no known type: {r:?}")
    };
    assert_eq!(f.kind, FailureKind::BadResponse);
    assert!(
        f.message.contains("2 entries, none of a documented type"),
        "{}",
        f.message
    );
    // An empty list is still the token that sees nothing (privilege_problem).
    assert!(resources(br#"{"data":[]}"#).is_ok());
    // One known entry among unknown ones is a real answer.
    assert!(resources(br#"{"data":[{"type":"sdn","id":"sdn/x"},{"type":42}]}"#).is_ok());
}

#[test]
fn a_running_guest_has_its_cpu_and_memory_and_a_stopped_one_none() {
    let r = res(r#"{"data":[
        {"type":"qemu","vmid":100,"node":"a","status":"running","cpu":"0.12","mem":1288490189,"maxmem":4294967296},
        {"type":"lxc","vmid":101,"node":"a","status":"stopped","cpu":0,"mem":0,"maxmem":2147483648},
        {"type":"lxc","vmid":102,"node":"a","status":"running","cpu":7,"mem":"x"}
    ]}"#);
    let figures: Vec<_> = r
        .guests
        .iter()
        .map(|g| (g.vmid, g.cpu, g.mem_used, g.mem_total))
        .collect();
    assert_eq!(
        figures,
        [
            (100, Some(0.12), Some(1_288_490_189), Some(4_294_967_296)),
            (101, None, None, Some(2_147_483_648)),
            (102, Some(1.0), None, None),
        ]
    );
    let fixture = include_str!("../../../../tests/fixtures/proxmox/resources-healthy.json");
    let truenas = res(fixture)
        .guests
        .into_iter()
        .find(|g| g.vmid == 300)
        .expect("the fixture has truenas");
    assert_eq!(
        (truenas.cpu, truenas.mem_used, truenas.mem_total),
        (Some(0.12), Some(1_288_490_189), Some(4_294_967_296))
    );
}
