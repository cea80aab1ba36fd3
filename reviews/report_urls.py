from django.urls import path

from . import report_views

app_name = "reports"

urlpatterns = [
    path("", report_views.report_list, name="report-list"),
    path("<slug:slug>/", report_views.report_detail, name="report-detail"),
    path("<slug:slug>/report.docx", report_views.report_docx, name="report-docx"),
    path(
        "<slug:slug>/contributions/",
        report_views.report_contributions,
        name="report-contributions",
    ),
]
