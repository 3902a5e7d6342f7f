import { createContext, useContext } from "react";

/**
 * The per-request CSP nonce (server.ts makes it; entry.server provides it). In the browser it is empty:
 * browsers hide nonce values from the DOM, and the scripts already ran.
 */
export const NonceContext = createContext<string>("");
export const NonceProvider = NonceContext.Provider;
export const useNonce = () => useContext(NonceContext);
