// The provider whose catalog the preview uses, kept for the window's life: the panel is made
// again on every visit, and it should come back to the provider the user (or the demo's start)
// chose rather than to the first in the list. The demo vault pairs several sandboxes; the one
// holding the demo tips is chosen when the demo starts.
export const previewChoice = $state({ provider: '' });
