import { createContext, useContext } from "react";

/**
 * The per-request CSP nonce (server.ts makes it; entry.server provides it). In the browser it is undefined:
 * browsers hide nonce values from the DOM, and the scripts already ran.
 */
const NonceContext = createContext<string | undefined>(undefined);
export const NonceProvider = NonceContext.Provider;
export const useNonce = () => useContext(NonceContext);
