/** How often streaming renderers report progress (the render activity heartbeats with it). */
export const PROGRESS_EVERY_ROWS = 10_000;
