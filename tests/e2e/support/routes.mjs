// Every route of the console and what shows it has drawn, for the tests that
// visit them all (on a phone, and axe-core in both themes). As an admin, who
// sees every one.

/**
 * `[path, what, shown]` per route: `shown(page)` is a locator that appears
 * once the page is drawn. `incident` is an incident's id whose timeline has
 * an entry containing `entryText`, titled `title`, with a draft update.
 */
export function consoleRoutes({ title, incident, entryText }) {
  return [
    ['/', 'the incident list', (p) => p.getByRole('table', { name: 'Incidents' }).getByRole('link', { name: title })],
    ['/new', 'the declare form', (p) => p.getByRole('heading', { name: 'Declare an incident' })],
    ['/maintenance/new', 'planning a maintenance', (p) => p.getByRole('heading', { name: 'Plan maintenance' })],
    [`/incidents/${incident}`, 'the incident room', (p) => p.getByRole('list', { name: 'Timeline' }).getByRole('listitem').filter({ hasText: entryText })],
    [`/incidents/${incident}/comms`, 'the comms desk', (p) => p.getByRole('article', { name: 'Investigating · Draft', exact: true })],
    [`/incidents/${incident}/postmortem`, 'the post-mortem', (p) => p.getByRole('heading', { name: `Post-mortem: ${title}` })],
    ['/metrics', 'metrics', (p) => p.getByRole('heading', { name: 'Metrics', level: 1 })],
    ['/upstreams', 'upstreams', (p) => p.getByRole('heading', { name: 'Upstream providers' })],
    ['/settings', 'settings', (p) => p.getByRole('heading', { name: 'Settings', level: 1 })],
    ['/alerts', 'the alert inbox', (p) => p.getByRole('heading', { name: 'Alert inbox', level: 1 })],
    ['/admin/accounts', 'admin: accounts', (p) => p.getByRole('table', { name: 'Accounts' })],
    ['/admin/tokens', 'admin: API tokens', (p) => p.getByRole('heading', { name: 'API tokens', level: 1 })],
    ['/admin/audit', 'admin: audit trail', (p) => p.getByRole('heading', { name: 'Audit trail', level: 1 })],
    ['/admin/hooks', 'admin: webhooks', (p) => p.getByRole('heading', { name: 'Webhooks', level: 1 })],
  ];
}
