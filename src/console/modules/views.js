// The console's views and tabs, each registered by its own module: a view's loader and the kinds
// of event (the audit actions' first word) that refresh it; a tab's views and whether it is about
// the employer in context. Nothing else lists them.
const VIEWS = new Map();
const TABS = new Map();

/** `refreshedBy`: event kinds; '*' refreshes the view after every event. */
export function registerView(name, { load, refreshedBy = [] }) {
  VIEWS.set(name, { load, refreshedBy });
}
export const loadView = (name) => VIEWS.get(name)?.load();
export const viewNames = () => [...VIEWS.keys()];

/** The views an event of this kind refreshes; every view for a kind none claims (one we do not know). */
export function viewsRefreshedBy(kind) {
  const claimed = viewNames().filter((n) => VIEWS.get(n).refreshedBy.includes(kind));
  const always = viewNames().filter((n) => VIEWS.get(n).refreshedBy.includes('*'));
  return claimed.length ? [...new Set([...claimed, ...always])] : viewNames();
}

/** A tab shows its views (by default the view of its name); `acrossEmployers`: no employer in context. */
export function registerTab(name, { views = [name], load, acrossEmployers = false } = {}) {
  TABS.set(name, { load: load ?? (() => Promise.all(views.map(loadView))), acrossEmployers });
}
export const tabOf = (name) => TABS.get(name) ?? { load: () => loadView(name), acrossEmployers: false };
