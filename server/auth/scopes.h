/*
 * scopes.h - authorization: may this caller use this operation?
 *
 * The rules are the contract's security requirements, kept as a static
 * table: the scopes each operation accepts (sp:scopes:all covers all),
 * whether client-credentials tokens are accepted (cancelReport lists
 * userAuth only), and the user levels a user token needs
 * (x-sailpoint-userLevels of startReport). Pure; no allocation.
 */
#ifndef ISC_AUTH_SCOPES_H
#define ISC_AUTH_SCOPES_H

#include <stddef.h>

#include "../core/err.h"
#include "auth.h"

/*
 * ERR_OK when `who` may call `operation` (a contract operationId such as
 * "startReport"); ERR_FORBIDDEN with the reason in `why` otherwise.
 * Operations the table does not list (the token endpoint, the control API)
 * are allowed.
 */
enum err scope_check(const struct auth_principal *who, const char *operation, char *why,
                     size_t whylen);

#endif
