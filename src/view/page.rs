//! The page shown, in the view model: which one, its title, what it is
//! focused on and how far it is scrolled. `/api/status` serves it as `page`,
//! so the status API says which page is on the glass.

use serde::Serialize;

use crate::core::{Nav, Page};

use super::ViewModel;

/// The page on screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageVm {
    /// overview, services, proxmox, printer or alerts.
    pub name: Page,
    /// The page's title as drawn ("Proxmox").
    pub title: String,
    /// The item the page opened at (a service or node name), if any.
    pub focus: Option<String>,
    /// Screens scrolled down from the top.
    pub scroll: u32,
}

impl PageVm {
    /// The page `nav` shows.
    pub fn of(nav: &Nav) -> Self {
        Self {
            name: nav.page(),
            title: title(nav.page()).to_owned(),
            focus: nav.focus().map(str::to_owned),
            scroll: nav.scroll(),
        }
    }

    /// The overview, as every view model starts.
    pub fn overview() -> Self {
        Self {
            name: Page::Overview,
            title: title(Page::Overview).to_owned(),
            focus: None,
            scroll: 0,
        }
    }
}

/// A page's title.
fn title(page: Page) -> &'static str {
    match page {
        Page::Overview => "Overview",
        Page::Services => "Services",
        Page::Proxmox => "Proxmox",
        Page::Printer => "Printer",
        Page::Alerts => "Alerts",
    }
}

impl ViewModel {
    /// This view model on the page `nav` shows, its focused row marked.
    pub fn on_page(mut self, nav: &Nav) -> Self {
        self.page = PageVm::of(nav);
        self.pages
            .focus(nav.page(), nav.focus(), &self.services, &self.nodes);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{Clock, Dashboard, FakeClock, Input, NavSettings, Rules};

    #[test]
    fn the_view_model_carries_the_page_nav_shows() {
        let now = FakeClock::default().now();
        let mut nav = Nav::new(NavSettings::default(), now);
        let utc = chrono::FixedOffset::east_opt(0).expect("UTC is an offset");
        let vm = super::super::build(&Dashboard::new([]), &Rules::default(), now, utc);
        assert_eq!(vm.page, PageVm::overview());
        let open = Input::Open {
            page: Page::Proxmox,
            focus: Some("tower1".to_owned()),
        };
        assert!(nav.input(open, now));
        let vm = vm.on_page(&nav);
        assert_eq!(vm.page.name, Page::Proxmox);
        assert_eq!(vm.page.title, "Proxmox");
        assert_eq!(vm.page.focus.as_deref(), Some("tower1"));
    }
}
