import type { Protocol } from '../types.js';
import { awsJson1_1 } from './awsJson.js';
import { awsQuery } from './awsQuery.js';
import type { ProtocolCodec } from './codec.js';
import { restJson1 } from './restJson.js';
import { restXml } from './restXml.js';

export const PROTOCOLS: Record<Protocol, ProtocolCodec> = { awsQuery, awsJson1_1, restJson1, restXml };
export type { ProtocolCodec, DecodedRequest, EncodedResponse } from './codec.js';
