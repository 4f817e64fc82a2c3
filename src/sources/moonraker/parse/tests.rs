use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("../../../../tests/fixtures/moonraker/", $name)).as_slice()
    };
}

fn data(objects_fixture: &[u8], with_meta: bool) -> PrinterData {
    let status = objects(objects_fixture).expect("documented objects answer");
    let meta = metadata(fixture!("metadata.json")).expect("documented metadata");
    printer_data(&status, with_meta.then_some(&meta))
}

#[test]
fn server_info_gives_the_klippy_state() {
    let ready = server_info(fixture!("server_info_ready.json")).expect("parses");
    assert_eq!(ready.klippy(), KlippyState::Ready);
    let error = server_info(fixture!("server_info_error.json")).expect("parses");
    assert_eq!(error.klippy(), KlippyState::Error);
    let gone = server_info(fixture!("server_info_disconnected.json")).expect("parses");
    assert_eq!(gone.klippy(), KlippyState::Disconnected);
    assert_eq!(klippy_state("something new"), KlippyState::Error);
    assert!(server_info(b"{\"result\": 3}").is_err());
    assert!(server_info(b"<html>").is_err_and(|f| f.kind == FailureKind::BadResponse));
}

#[test]
fn printer_info_keeps_the_first_line_of_the_message() {
    let (state, message) = printer_info(fixture!("printer_info_error.json")).expect("parses");
    assert_eq!(state, Some(KlippyState::Error));
    assert_eq!(message.as_deref(), Some("mcu 'mcu': Unable to connect"));
    let (state, message) = printer_info(fixture!("printer_info_shutdown.json")).expect("parses");
    assert_eq!(state, Some(KlippyState::Shutdown));
    assert_eq!(
        message.as_deref(),
        Some("Heater extruder not heating at expected rate")
    );
}

#[test]
fn error_envelopes_give_their_message() {
    assert_eq!(
        error_message(fixture!("error_503.json")).as_deref(),
        Some("Klippy Host not connected")
    );
    assert_eq!(
        error_message(fixture!("error_401.json")).as_deref(),
        Some("Unauthorized")
    );
    assert_eq!(error_message(b"Bad Gateway"), None);
}

#[test]
fn a_print_in_progress() {
    let p = data(fixture!("objects_printing.json"), true);
    assert_eq!(p.state, PrintState::Printing);
    assert_eq!(
        p.filename.as_deref(),
        Some("parts/enclosure-hinge_0.2mm_PETG_2h10m.gcode")
    );
    assert!((p.progress - 0.412).abs() < 1e-3, "{}", p.progress);
    assert_eq!((p.current_layer, p.total_layers), (Some(43), Some(118)));
    assert_eq!(p.extruder.target, 240.0);
    assert_eq!(p.extruder.power, Some(0.48));
    assert_eq!(p.bed.temperature, 80.1);
    assert_eq!(p.fan, Some(0.6));
    assert_eq!(p.speed_factor, Some(1.0));
    assert_eq!(p.message.as_deref(), Some("Layer 43 of 118"));
    assert_eq!(p.slicer_estimate_s, Some(7800.0));
    assert_eq!(p.filament_total_mm, Some(8247.86));
    assert_eq!(p.print_duration_s, 3210.5);
}

#[test]
fn null_layer_info_falls_back_to_z_and_the_layer_height() {
    let p = data(fixture!("objects_printing_null_layers.json"), true);
    // Z 8.6 mm, 0.2 mm layers, 23.6 mm object.
    assert_eq!((p.current_layer, p.total_layers), (Some(43), Some(118)));
    // The fan object answered `{}`: no reading, not 0 %.
    assert_eq!(p.fan, None);
    assert_eq!(p.message, None);
    // Without metadata there is nothing to derive from.
    let p = data(fixture!("objects_printing_null_layers.json"), false);
    assert_eq!((p.current_layer, p.total_layers), (None, None));
}

#[test]
fn every_print_state_is_read() {
    let state = |bytes| data(bytes, true).state;
    assert_eq!(state(fixture!("objects_paused.json")), PrintState::Paused);
    assert_eq!(
        state(fixture!("objects_complete.json")),
        PrintState::Complete
    );
    assert_eq!(
        state(fixture!("objects_cancelled.json")),
        PrintState::Cancelled
    );
    assert_eq!(state(fixture!("objects_error.json")), PrintState::Error);
    assert_eq!(state(fixture!("objects_standby.json")), PrintState::Standby);
    let failed = data(fixture!("objects_error.json"), true);
    assert_eq!(
        failed.message.as_deref(),
        Some("Move out of range: 235.000 117.200 12.200 [2961.412]")
    );
    let done = data(fixture!("objects_complete.json"), true);
    assert_eq!(done.progress, 1.0);
    assert_eq!(done.current_layer, None);
    let idle = data(fixture!("objects_standby.json"), false);
    assert_eq!(idle.filename, None);
}

#[test]
fn missing_and_empty_objects_are_tolerated() {
    let status = objects(br#"{"result": {"eventtime": 1.0, "status": {"print_stats": {}, "extruder": {}, "heater_bed": null}}}"#)
        .expect("objects answered as {} or null still parse");
    let p = printer_data(&status, None);
    assert_eq!(p.state, PrintState::Standby);
    assert_eq!(p.extruder, Heater::default());
    assert_eq!((p.fan, p.speed_factor), (None, None));
    assert!(objects(br#"{"result": {"status": {"extruder": {"temperature": "hot"}}}}"#).is_err());
}

#[test]
fn the_temperature_store_gives_both_heaters() {
    let (e, b) = temperature_store(fixture!("temperature_store.json")).expect("parses");
    assert_eq!((e.len(), b.len()), (1200, 1200));
    assert!(e.last().is_some_and(|t| *t > 239.0));
}
