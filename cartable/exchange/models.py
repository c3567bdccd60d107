"""Who the box (or hub) exchanges bundles with, what went in and out, and where each piece of
work stands: sent and acknowledged on the box, received on the hub."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cartable.accounts.models import Institution
from cartable.exchange import via
from cartable.outbox.models import Entry


class Peer(models.Model):
    """A hub (the university's side) or a box, known by its public keys, registered by staff
    after checking its fingerprint aloud or on paper."""

    class Role(models.TextChoices):
        HUB = "hub", _("Hub")
        BOX = "box", _("Box")

    name = models.SlugField(_("name"), max_length=64, unique=True)
    role = models.CharField(_("role"), max_length=8, choices=Role)
    signing_key = models.CharField(max_length=64)  # Ed25519 public key, hex
    encryption_key = models.CharField(max_length=64)  # X25519 public key, hex
    fingerprint = models.CharField(_("fingerprint"), max_length=32, unique=True)
    # A hub: the institution whose courses' work goes to it.
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    # The sequence number of the next bundle we send it, and of the next we accept from it.
    next_out = models.PositiveBigIntegerField(default=1)
    next_in = models.PositiveBigIntegerField(default=1)
    # Course bundles are numbered on their own (each carries the offered courses whole, so a
    # later one supersedes any earlier): the next we send, and the last we applied.
    next_course_out = models.PositiveBigIntegerField(default=1)
    course_in = models.PositiveBigIntegerField(default=0)
    # A hub: when staff last asked for every course file to go to this box again.
    courses_resent_at = models.DateTimeField(null=True, blank=True)
    # A hub reached online (`cartable exchange sync`): its https:// address.
    url = models.CharField(_("address"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("peer")
        verbose_name_plural = _("peers")

    def __str__(self) -> str:
        return self.name


class Exchange(models.Model):
    """One bundle written or read: the history staff look back on."""

    class Direction(models.TextChoices):
        OUT = "out", _("Sent")
        IN = "in", _("Received")

    class Result(models.TextChoices):
        DONE = "done", _("Done")
        REFUSED = "refused", _("Refused")

    direction = models.CharField(max_length=4, choices=Direction)
    peer = models.ForeignKey(
        Peer, on_delete=models.PROTECT, related_name="exchanges", null=True, blank=True
    )
    kind = models.CharField(max_length=16, blank=True)
    sequence = models.PositiveBigIntegerField(null=True, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    result = models.CharField(max_length=8, choices=Result)
    code = models.CharField(max_length=32, blank=True)  # why it was refused
    message = models.TextField(blank=True)
    entries = models.PositiveIntegerField(default=0)
    files = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(auto_now_add=True)
    # By file (a stick) or online (cartable.exchange.via).
    via = models.CharField(max_length=8, default=via.current)

    class Meta:
        ordering = ["-at", "-pk"]
        # Course bundles are numbered on their own, every other kind together.
        constraints = [
            models.UniqueConstraint(
                fields=["peer", "direction", "sequence"],
                condition=models.Q(result="done") & ~models.Q(kind="course"),
                name="exchange_once_per_sequence",
            ),
            models.UniqueConstraint(
                fields=["peer", "direction", "sequence"],
                condition=models.Q(result="done", kind="course"),
                name="exchange_course_once_per_sequence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.kind} #{self.sequence}"


class SentEntry(models.Model):
    """An outbox entry the hub acknowledged: it no longer goes out. Entries are never deleted
    before this row exists."""

    entry = models.OneToOneField(
        Entry, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="+")
    acknowledged_in = models.PositiveBigIntegerField()  # the ack bundle's sequence
    acknowledged_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"entry #{self.entry_id} acknowledged in {self.acknowledged_in}"


class ReceivedEntry(models.Model):
    """A piece of work received from a box (on the hub), as the box wrote it."""

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="received")
    entry_id = models.PositiveBigIntegerField()  # the box's outbox entry id
    kind = models.CharField(max_length=16)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()  # on the box
    received_in = models.PositiveBigIntegerField()  # the work bundle's sequence
    received_at = models.DateTimeField(auto_now_add=True)
    # Received (again) since the last acknowledgement written to that box.
    ack_pending = models.BooleanField(default=True)

    class Meta:
        ordering = ["peer", "entry_id"]
        constraints = [
            models.UniqueConstraint(fields=["peer", "entry_id"], name="received_entry_once")
        ]

    def __str__(self) -> str:
        return f"{self.peer} {self.kind} #{self.entry_id}"


class Learner(models.Model):
    """On the hub: a box's learner matched to their account at the university (set by staff or
    from a CSV file), so that what goes back to Moodle names the university's account."""

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="learners")
    box_username = models.CharField(max_length=150)
    username = models.CharField(max_length=150, blank=True)  # Moodle's username
    idnumber = models.CharField(max_length=100, blank=True)  # Moodle's user idnumber
    email = models.CharField(max_length=254, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["peer", "box_username"]
        constraints = [
            models.UniqueConstraint(fields=["peer", "box_username"], name="learner_once_per_box")
        ]

    def __str__(self) -> str:
        return f"{self.peer}: {self.box_username}"


class RequestNonce(models.Model):
    """On a hub: the nonce of a signed online request, kept while its time is acceptable, so
    that the same request is never accepted twice (cartable.exchange.api)."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=32)
    at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["peer", "nonce"], name="request_nonce_once")]

    def __str__(self) -> str:
        return f"{self.peer_id} {self.nonce}"


class CourseOffer(models.Model):
    """On the hub: a course chosen for a box. Its course bundles carry the offered courses
    not withdrawn; withdrawing stops the updates (the box keeps what it has)."""

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="offers")
    course = models.ForeignKey(
        "catalog.Course", on_delete=models.CASCADE, related_name="exchange_offers"
    )
    offered_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    offered_at = models.DateTimeField()
    withdrawn_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["peer", "course"]
        constraints = [models.UniqueConstraint(fields=["peer", "course"], name="course_offer_once")]

    def __str__(self) -> str:
        return f"{self.course} → {self.peer}"


class PeerBlob(models.Model):
    """A content file (by SHA-256) and a peer. On the hub (``peer`` a box): the box confirmed,
    in an acknowledgement, that it holds it, so course bundles no longer carry it. On the box
    (``peer`` a hub): a course bundle of that hub named it and the box holds it;
    ``ack_pending`` until the next acknowledgement to that hub says so."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="+")
    sha256 = models.CharField(max_length=64)
    ack_pending = models.BooleanField(default=False)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["peer", "sha256"], name="peer_blob_once")]

    def __str__(self) -> str:
        return f"{self.peer}: {self.sha256[:12]}"


class BoxAccount(models.Model):
    """On the hub: the account made for a box's learner not matched to a university account,
    so that the hub's teachers grade their work in the usual pages (``exchange.hubwork``). It
    cannot sign in; its grades go back to that box under the box's username. Once the learner
    is matched, its work moves to the matched account and it is retired (``merging``)."""

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="+")
    box_username = models.CharField(max_length=150)
    user = models.OneToOneField(
        "accounts.User", on_delete=models.CASCADE, related_name="box_account"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The learner matched to a university account since: the work moved there, this account
    # retired (``exchange.merging``).
    merged_into = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    merged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["peer", "box_username"]
        constraints = [
            models.UniqueConstraint(fields=["peer", "box_username"], name="box_account_once")
        ]

    def __str__(self) -> str:
        return f"{self.peer}: {self.box_username}"


class ParkedEntry(models.Model):
    """On the box: a grade entry of a feedback bundle for a course (or an activity of it) not on
    the box yet, kept as received (checked already) until that course arrives and staff approve
    it; then given back as any feedback entry (``exchange.parking``). One per grade and part
    (the grade and comment, or its feedback files): a later entry for it supersedes it."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="+")
    entry_id = models.PositiveBigIntegerField()  # the hub's outbox entry id
    kind = models.CharField(max_length=16)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()  # on the hub
    # What it waits for: the course (Moodle source and id) and the activity's key in it.
    course_source = models.CharField(max_length=32)
    course_source_id = models.CharField(max_length=64)
    activity_key = models.CharField(max_length=255)
    username = models.CharField(max_length=150)
    part = models.CharField(max_length=8)  # "grade" or "files"
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["peer", "entry_id"]
        indexes = [
            models.Index(fields=["peer", "course_source", "course_source_id"], name="parked_course")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "peer",
                    "course_source",
                    "course_source_id",
                    "activity_key",
                    "username",
                    "part",
                ],
                name="parked_once_per_grade",
            )
        ]

    def __str__(self) -> str:
        return f"{self.peer} {self.kind} #{self.entry_id} waits for {self.activity_key}"
