/** OpenFeature server provider for Tailslide (needs the optional peer `@openfeature/server-sdk`). */
export { TailslideProvider, TrackingEvent } from './openfeature-provider.js';
/** Options of TailslideProvider (`closeManager` @default true). */
export type { TailslideProviderOptions } from './openfeature-provider.js';
