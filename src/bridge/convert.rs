//! View model to Slint structs, field by field. Nothing here chooses what to
//! show: strings are copied, numbers narrowed to Slint's `f32`, the view's
//! enums mapped one-to-one onto the UI's, and an absent bar encoded the way
//! `ui/state.slint` documents it (a negative fraction), since Slint has no
//! optional values.

use std::rc::Rc;

use slint::{ModelRc, SharedString, VecModel};

use super::ui;
use crate::core::{Overall, Page};
use crate::view::{
    BadgeVm, CardVm, HeaderVm, JobRowVm, LabelsVm, NodeVm, OverlayVm, PageVm, PrinterPageVm,
    PrinterVm, ServiceVm, TemperatureVm, Tone,
};

/// `CardData.fraction` for a card without a bar.
const NO_BAR: f32 = -1.0;

/// `CardData.dim-from` for a card without dimmed lines.
const NO_DIM: i32 = -1;

fn s(text: &str) -> SharedString {
    SharedString::from(text)
}

impl From<Tone> for ui::Tone {
    fn from(t: Tone) -> Self {
        match t {
            Tone::Ok => Self::Ok,
            Tone::Warn => Self::Warn,
            Tone::Bad => Self::Bad,
            Tone::Unknown => Self::Unknown,
            Tone::Info => Self::Info,
        }
    }
}

impl From<Page> for ui::PageName {
    fn from(p: Page) -> Self {
        match p {
            Page::Overview => Self::Overview,
            Page::Services => Self::Services,
            Page::Proxmox => Self::Proxmox,
            Page::Printer => Self::Printer,
            Page::Alerts => Self::Alerts,
        }
    }
}

/// A target's page, back from the UI (the other way of the same mapping).
impl From<ui::PageName> for Page {
    fn from(p: ui::PageName) -> Self {
        match p {
            ui::PageName::Overview => Self::Overview,
            ui::PageName::Services => Self::Services,
            ui::PageName::Proxmox => Self::Proxmox,
            ui::PageName::Printer => Self::Printer,
            ui::PageName::Alerts => Self::Alerts,
        }
    }
}

impl From<&PageVm> for ui::PageData {
    fn from(p: &PageVm) -> Self {
        Self {
            name: p.name.into(),
            title: s(&p.title),
            focus: s(p.focus.as_deref().unwrap_or_default()),
        }
    }
}

/// The header: its own fields, and the overall status' reason.
pub(super) fn header(h: &HeaderVm, overall: &Overall) -> ui::HeaderData {
    ui::HeaderData {
        tone: h.tone.into(),
        status: s(&h.status),
        reason: s(&overall.reason),
        clock: s(&h.clock),
        date: s(&h.date),
        data_age: s(&h.data_age),
    }
}

impl From<&BadgeVm> for ui::BadgeData {
    fn from(b: &BadgeVm) -> Self {
        Self {
            visible: b.visible,
            text: s(&b.text),
            tone: b.tone.into(),
        }
    }
}

impl From<&OverlayVm> for ui::OverlayData {
    fn from(o: &OverlayVm) -> Self {
        Self {
            visible: o.visible,
            heading: s(&o.heading),
            url: s(&o.url),
            reason: s(&o.reason),
            footer: s(&o.footer),
        }
    }
}

impl From<&ServiceVm> for ui::ServiceData {
    fn from(v: &ServiceVm) -> Self {
        Self {
            name: s(&v.name),
            tone: v.tone.into(),
            label: s(&v.label),
            detail: s(&v.detail),
            since: s(&v.since),
        }
    }
}

impl From<&NodeVm> for ui::NodeData {
    fn from(v: &NodeVm) -> Self {
        Self {
            name: s(&v.name),
            online: v.online,
            tone: v.tone.into(),
            status: s(&v.status),
            cpu: v.cpu_bar as f32,
            cpu_text: s(&v.cpu_text),
            cpu_tone: v.cpu_tone.into(),
            mem: v.mem_bar as f32,
            mem_text: s(&v.mem_text),
            mem_tone: v.mem_tone.into(),
        }
    }
}

impl From<&CardVm> for ui::CardData {
    fn from(c: &CardVm) -> Self {
        let lines: Vec<SharedString> = c.lines.iter().map(|l| s(l)).collect();
        Self {
            title: s(&c.title),
            value: s(&c.value),
            detail: s(&c.detail),
            tone: c.tone.into(),
            symbol: c.symbol,
            fraction: c.fraction.map_or(NO_BAR, |f| f as f32),
            lines: ModelRc::from(Rc::new(VecModel::from(lines))),
            dim_from: c
                .dim_from
                .and_then(|i| i32::try_from(i).ok())
                .unwrap_or(NO_DIM),
        }
    }
}

impl From<&TemperatureVm> for ui::TempData {
    fn from(t: &TemperatureVm) -> Self {
        Self {
            label: s(&t.label),
            text: s(&t.text),
            tone: t.tone.into(),
        }
    }
}

impl From<&PrinterVm> for ui::PrinterData {
    fn from(p: &PrinterVm) -> Self {
        Self {
            configured: p.configured,
            compact: p.compact,
            name: s(&p.name),
            state_text: s(&p.state_text),
            tone: p.tone.into(),
            filename: s(&p.filename),
            progress: p.progress as f32,
            progress_text: s(&p.progress_text),
            elapsed: s(&p.elapsed),
            time_left: s(&p.time_left),
            eta: s(&p.eta_text),
            layer: s(&p.layer),
            extruder: (&p.extruder).into(),
            bed: (&p.bed).into(),
            fan_speed: s(&p.fan_speed),
            quoted_message: s(&p.quoted_message),
            detail: s(&p.detail),
            strip_detail: s(&p.strip_detail),
            strip_temperatures: s(&p.strip_temperatures),
            has_thumbnail: p.thumbnail.is_some(),
            glyph: s(&p.glyph),
            hint: s(&p.hint),
            job: p.job,
        }
    }
}

impl From<&PrinterPageVm> for ui::PrinterPageData {
    fn from(p: &PrinterPageVm) -> Self {
        Self {
            filament: s(&p.filament),
            filament_fraction: p.filament_fraction.map_or(NO_BAR, |f| f as f32),
            chart_caption: s(&p.chart_caption),
            jobs_title: s(&p.jobs_title),
        }
    }
}

impl From<&JobRowVm> for ui::JobData {
    fn from(j: &JobRowVm) -> Self {
        Self {
            file: s(&j.file),
            detail: s(&j.detail),
            tone: j.tone.into(),
        }
    }
}

impl From<&LabelsVm> for ui::LabelsData {
    fn from(l: &LabelsVm) -> Self {
        Self {
            services_title: s(&l.services_title),
            nodes_title: s(&l.nodes_title),
            cpu: s(&l.cpu),
            mem: s(&l.mem),
            no_data: s(&l.no_data),
            no_preview: s(&l.no_preview),
            elapsed: s(&l.elapsed),
            left: s(&l.left),
            eta: s(&l.eta),
            chart_caption: s(&l.chart_caption),
            back: s(&l.back),
        }
    }
}
