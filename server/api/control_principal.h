/*
 * control_principal.h - the body members that an API client (/mock/clients)
 * and a minted token (/mock/tokens) share: who the principal is and its user
 * context. The rows are part of both field tables; the rules between them
 * are control_principal_apply() (control_clients.c).
 */
#ifndef ISC_API_CONTROL_PRINCIPAL_H
#define ISC_API_CONTROL_PRINCIPAL_H

#include "../store/store.h"
#include "control_body.h"

/* What a client or token body says; text members are "" when not given. */
struct principal_body {
    struct store_client c;
    int user_context; /* -1: not given */
    int64_t ttl_s;    /* tokens only */
};

/* The user-context rows of both tables. */
#define PRINCIPAL_USER_ROWS                                                                        \
    {"userContext", BODY_BOOL, BODY_AT(struct principal_body, user_context)},                      \
        {"userLevel", BODY_TEXT, BODY_AT(struct principal_body, c.user_level)},                    \
        {"userName", BODY_TEXT, BODY_AT(struct principal_body, c.user_name)},                      \
    {                                                                                              \
        "identityId", BODY_TEXT, BODY_AT(struct principal_body, c.identity_id)                     \
    }

/*
 * Applies the user members of `pb` to `c`: members not given keep what `c`
 * has. userLevel, userName and identityId need a user-context principal; a
 * user principal without a name or identity gets the client id and a fresh
 * identity id; a client-credentials one has none. On a 400 (in rs) `c` is
 * unchanged.
 */
enum err control_principal_apply(const struct principal_body *pb, struct store_client *c,
                                 struct api_res *rs);

#endif
