//! Setting only what changed, for the values Slint cannot compare itself:
//! lists and structs that hold a list. Slint counts any new model as a
//! change, so these are compared here by their view models.

use std::rc::Rc;

use slint::{Model, ModelRc, VecModel};

/// A list shown in the UI, kept as one model for the window's lifetime:
/// only the rows whose view model changed are replaced, so Slint redraws
/// only their tiles instead of rebuilding the whole list.
pub(super) struct Rows<V, T> {
    shown: Vec<V>,
    model: Option<Rc<VecModel<T>>>,
}

impl<V, T> Default for Rows<V, T> {
    fn default() -> Self {
        Self {
            shown: Vec::new(),
            model: None,
        }
    }
}

impl<V, T> Rows<V, T>
where
    V: PartialEq + Clone,
    for<'a> T: From<&'a V> + Clone + 'static,
{
    /// Makes the model show `items`; calls `install` the first time only.
    pub(super) fn sync(&mut self, items: &[V], install: impl FnOnce(ModelRc<T>)) {
        let Some(model) = &self.model else {
            let rows: Vec<T> = items.iter().map(T::from).collect();
            let model = Rc::new(VecModel::from(rows));
            install(ModelRc::from(model.clone()));
            self.model = Some(model);
            self.shown = items.to_vec();
            return;
        };
        if self.shown == items {
            return;
        }
        for (i, item) in items.iter().enumerate() {
            match self.shown.get(i) {
                Some(old) if old == item => {}
                Some(_) => model.set_row_data(i, T::from(item)),
                None => model.push(T::from(item)),
            }
        }
        while model.row_count() > items.len() {
            model.remove(model.row_count() - 1);
        }
        self.shown = items.to_vec();
    }
}

/// One value shown in the UI that Slint cannot compare (it holds a list):
/// set again only when its view model changed.
pub(super) struct Shown<V>(Option<V>);

impl<V> Default for Shown<V> {
    fn default() -> Self {
        Self(None)
    }
}

impl<V: PartialEq + Clone> Shown<V> {
    /// Calls `set` with `value` unless it is what was last set.
    pub(super) fn sync(&mut self, value: &V, set: impl FnOnce(&V)) {
        if self.0.as_ref() != Some(value) {
            set(value);
            self.0 = Some(value.clone());
        }
    }
}
