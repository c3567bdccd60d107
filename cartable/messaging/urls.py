from django.urls import path

from cartable.messaging import views

app_name = "messaging"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("sent/", views.sent, name="sent"),
    path("new/", views.write, name="write"),
    path("<int:conversation_id>/", views.thread, name="thread"),
    path("files/<int:message_id>/", views.attachment, name="attachment"),
    path("moderation/", views.queue, name="queue"),
    path("moderation/<int:message_id>/", views.decide, name="decide"),
    path("moderation/rule/", views.policy, name="policy"),
]
