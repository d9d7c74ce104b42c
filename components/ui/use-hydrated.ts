"use client";

import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

// False in the server-rendered HTML, true once React runs in the browser. A
// form submitted before that would do a plain GET of the page and lose what
// was typed, so server-rendered forms keep their submit button disabled until then.
export const useHydrated = () => useSyncExternalStore(subscribe, () => true, () => false);
