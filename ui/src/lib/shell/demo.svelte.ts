// Whether the window shows the demo vault: set when demo mode starts (the backend has then
// locked the real vault and opened the demo one in its place), cleared when the user goes back
// to their vault or any lock ends the session. Every screen reads it for the DEMO banner.
export const demoMode = $state({ on: false });
