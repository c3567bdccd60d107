"""Argon2id tuned for a small box.

Django's default Argon2 parameters use 100 MiB of memory per hash: on a 1-2 GB box, a class of
learners signing in at once could exhaust memory. We follow OWASP's first Argon2id profile
(19 MiB, 2 passes, 1 lane), which costs about 30 ms here. Hashes made with other parameters
are still accepted and upgraded at the next sign-in.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class BoxArgon2PasswordHasher(Argon2PasswordHasher):
    algorithm = "argon2"
    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1
