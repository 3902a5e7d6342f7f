export * from "./diff";
export * from "./finder";
export * from "./hash";
export * from "./load";
export * from "./query";
export * from "./schema";
export * from "./search";
