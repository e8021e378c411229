import { changeContext, type DocumentedRouter } from '../http.js';
import { userSchema } from '../auth/auth-schemas.js';
import { createUserSchema, updateUserSchema, userPageSchema, userParams } from './user-schemas.js';
import type { UserService } from './user-service.js';
import type { AuthService } from '../auth/auth-service.js';

/** /api/users (admins only). */
export function registerUserRoutes(
  router: DocumentedRouter,
  users: UserService,
  auth: Pick<AuthService, 'revokeUserSessions'>,
): void {
  const r = router.tagged('users');
  const lastAdmin = 'Would leave no active admin (conflict)';
  r.collection('/api/users', {
    list: {
      summary: 'List users, oldest first',
      role: 'admin',
      page: userPageSchema,
      handler: (page) => users.list(page),
    },
    create: {
      summary: 'Create a user',
      role: 'admin',
      body: createUserSchema,
      created: userSchema,
      errors: { 409: 'Email taken (conflict)' },
      handler: (body, ctx) => users.create(body, ctx),
    },
  });
  r.patch('/api/users/:userId', "Change a user's role or disable it (its sessions end)", {
    role: 'admin',
    params: userParams,
    body: updateUserSchema,
    response: userSchema,
    errors: { 409: lastAdmin },
    handler: async ({ params, body, req }) => {
      const user = await users.update(params.userId, body, changeContext(req));
      if (user.disabled) await auth.revokeUserSessions(Number(user.id));
      return user;
    },
  });
  r.delete('/api/users/:userId', 'Delete a user', {
    role: 'admin',
    params: userParams,
    errors: { 409: lastAdmin },
    handler: ({ params, req }) => users.delete(params.userId, changeContext(req)),
  });
}
