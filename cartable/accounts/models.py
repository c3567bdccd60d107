"""Who uses the box: users with one role each, the establishments where boxes run, the
institutions that provide courses, and groups (classes, cohorts) of users."""

from __future__ import annotations

import unicodedata
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    LEARNER = "learner", _("Learner")
    TEACHER = "teacher", _("Teacher")
    STAFF = "staff", _("Staff")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset({Role.STAFF, Role.ADMIN})


class Institution(models.Model):
    """A university or school that provides courses (and receives learners' work)."""

    class Kind(models.TextChoices):
        UNIVERSITY = "university", _("University")
        SCHOOL = "school", _("School")
        OTHER = "other", _("Other")

    slug = models.SlugField(_("short name"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.UNIVERSITY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self) -> str:
        return self.name


class Establishment(models.Model):
    """The site where a box runs: a prison, a campus, a school."""

    class Kind(models.TextChoices):
        PRISON = "prison", _("Prison")
        CAMPUS = "campus", _("Campus")
        SCHOOL = "school", _("School")
        OTHER = "other", _("Other")

    DEFAULT_SLUG = "default"

    slug = models.SlugField(_("short name"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.OTHER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("establishment")
        verbose_name_plural = _("establishments")

    def __str__(self) -> str:
        return self.name


def normalize_username(username: str) -> str:
    """Usernames are typed by people with little keyboard practice: compare them without case
    or surrounding spaces (and in Unicode NFKC form, as Django does)."""
    return unicodedata.normalize("NFKC", username).strip().lower()


class CartableUserManager(UserManager["User"]):
    @classmethod
    def normalize_username(cls, username: str) -> str:
        return normalize_username(username)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(username=self.normalize_username(username or ""))


class User(AbstractUser):
    """An account on the box. Accounts are made by staff; nobody signs themselves up."""

    role = models.CharField(_("role"), max_length=16, choices=Role, default=Role.LEARNER)
    establishment = models.ForeignKey(
        Establishment,
        verbose_name=_("establishment"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
    )
    language = models.CharField(_("preferred language"), max_length=8, blank=True)

    objects: ClassVar[CartableUserManager] = CartableUserManager()

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(username=Lower("username")), name="username_is_lowercase"
            ),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="role_is_known"),
        ]
        indexes = [models.Index(fields=["establishment", "role", "last_name"])]

    def __str__(self) -> str:
        return self.display_name

    @classmethod
    def normalize_username(cls, username: str) -> str:
        return normalize_username(username)

    @property
    def display_name(self) -> str:
        full = self.get_full_name()
        return full or self.username

    @property
    def is_learner(self) -> bool:
        return self.role == Role.LEARNER

    @property
    def is_teacher(self) -> bool:
        return self.role == Role.TEACHER

    @property
    def is_staff_member(self) -> bool:
        """Staff or administrator: may manage accounts of their establishment."""
        return self.role in STAFF_ROLES

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMIN


class Cohort(models.Model):
    """A group of users: a class, a cohort, a wing. Named "group" in the interface."""

    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="cohorts"
    )
    name = models.CharField(_("name"), max_length=120)
    members = models.ManyToManyField(User, related_name="cohorts", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        constraints = [
            models.UniqueConstraint(fields=["establishment", "name"], name="cohort_name_unique")
        ]

    def __str__(self) -> str:
        return self.name
