export * from "./codice-fiscale";
export * from "./conditions";
export * from "./dates";
export * from "./merge";
export * from "./partita-iva";
export * from "./types";
export * from "./validate";
