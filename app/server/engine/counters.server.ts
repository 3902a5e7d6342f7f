/**
 * The yearly counters and the internal protocol register live in the protocol port now
 * (app/server/integrations/protocol/internal.server.ts); these names stay for the callers of before.
 */
export {
  nextNumber,
  protocolLabel,
  registerInternal as registerProtocol,
} from "../integrations/protocol/internal.server";
