"""Finding templates and deployments: built-ins from code, custom ones from the store."""
from __future__ import annotations

from services.survey.surveys import spec
from services.survey.surveys.models import Deployment, SurveyTemplate


def template(code: str, version: int | None = None) -> spec.TemplateSpec | None:
    """The template ``code`` at ``version`` (latest when None), or None."""
    if code in spec.BUILTIN_LATEST:
        return spec.BUILTIN_LATEST[code] if version is None else spec.BUILTIN.get((code, version))
    if version is None:
        doc = SurveyTemplate.head(code)
    else:
        doc = SurveyTemplate.objects(code=code, rev=version).first()
        if doc is not None and doc.deleted:
            doc = None
    return from_document(doc) if doc else None


def from_document(doc: SurveyTemplate) -> spec.TemplateSpec:
    return spec.TemplateSpec(code=doc.code, version=doc.rev, kind=doc.kind, title_id=doc.title_id,
                             title_en=doc.title_en,
                             questions=tuple(spec.question_from_dict(q) for q in doc.questions))


def deployment(code: str) -> Deployment | None:
    doc = Deployment.head(code.upper()) if code else None
    return doc if doc is not None and doc.active else None


def deployment_template(dep: Deployment) -> spec.TemplateSpec | None:
    return template(dep.template, dep.template_version)
