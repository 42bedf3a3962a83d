// Imports only: each file registers its types and fields on the builder.
import './enums.ts';
import '../scalars.ts';
import './viewer.ts';
import './teams.ts';
import './projects.ts';
import './keys.ts';
import './providers.ts';
import './routing.ts';
import './pricing.ts';
import './spend.ts';
import './request-log.ts';
import './refused-requests.ts';
import './audit.ts';
import './api-tokens.ts';
import './users.ts';
import './ledger.ts';
import './billing.ts';
