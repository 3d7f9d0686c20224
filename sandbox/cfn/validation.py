"""What CloudFormation refuses before it starts an operation, and ValidateTemplate's answer.

- Template format: a template that does not parse, has no ``Resources``, names an unknown
  resource type, or ``Ref``/``Fn::GetAtt``/``Fn::Sub`` an undeclared name is a
  ``ValidationError`` ("Template format error: ...").
  https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ValidateTemplate.html
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html
- Parameters: every declared parameter without a ``Default`` needs a value (or
  ``UsePreviousValue`` on an update), and a given parameter must be declared:
  "Parameters: [X] must have values" / "Parameters: [X] do not exist in the template".
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
- IAM capabilities: a template with IAM resources needs ``CAPABILITY_IAM``, or
  ``CAPABILITY_NAMED_IAM`` when one of them has a custom name; otherwise
  ``InsufficientCapabilitiesException`` "Requires capabilities : [CAPABILITY_IAM]".
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/control-access-with-iam.html#using-iam-capabilities
  https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import yaml
from moto.cloudformation.exceptions import CloudFormationError, ValidationError
from moto.cloudformation.models import Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult

from sandbox.cfn import changes, schemas

PSEUDO_PARAMETERS = frozenset(
    {
        "AWS::AccountId",
        "AWS::NotificationARNs",
        "AWS::NoValue",
        "AWS::Partition",
        "AWS::Region",
        "AWS::StackId",
        "AWS::StackName",
        "AWS::URLSuffix",
    }
)
# IAM resource types, and the property that gives each a custom name.
IAM_TYPES = {
    "AWS::IAM::AccessKey": None,
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::Policy": None,
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::UserToGroupAddition": None,
}


class InsufficientCapabilitiesException(CloudFormationError):
    code = "InsufficientCapabilitiesException"

    def __init__(self, message: str) -> None:
        super().__init__(self.code, message)


def _format_error(message: str) -> ValidationError:
    return ValidationError(message=f"Template format error: {message}")


def parse(body: str) -> dict[str, Any]:
    """The template as a dict, or the ValidationError AWS answers for it."""
    stripped = body.lstrip()
    try:
        template = json.loads(body) if stripped.startswith("{") else _yaml(body)
    except json.JSONDecodeError as exc:
        raise _format_error(
            f"JSON not well-formed. (line {exc.lineno}, column {exc.colno})"
        ) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise _format_error(f"YAML not well-formed.{where}") from exc
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise _format_error("At least one Resources member must be defined.")
    if not template["Resources"]:
        raise _format_error("At least one Resources member must be defined.")
    return template


def _yaml(body: str) -> Any:
    from moto.cloudformation.utils import yaml_tag_constructor

    yaml.add_multi_constructor("", yaml_tag_constructor)
    return yaml.load(body, Loader=yaml.Loader)


def _known_type(rtype: str) -> bool:
    if rtype.startswith("Custom::") or rtype == "AWS::CloudFormation::CustomResource":
        return True
    return bool(schemas.resource_schema(rtype))


def check_template(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    unknown = sorted(
        {str(r.get("Type")) for r in resources.values() if not _known_type(str(r.get("Type")))}
    )
    if unknown:
        raise _format_error(f"Unrecognized resource types: [{', '.join(unknown)}]")
    declared = set(resources) | set(template.get("Parameters") or {}) | PSEUDO_PARAMETERS
    for block in ("Resources", "Outputs"):
        missing = sorted(changes.references(template.get(block) or {}) - declared)
        if missing:
            raise _format_error(
                f"Unresolved resource dependencies [{', '.join(missing)}] in the {block} block "
                "of the template"
            )


def required_capabilities(template: dict[str, Any]) -> tuple[list[str], str]:
    """(capabilities, reason) the template needs, as ValidateTemplate reports them."""
    iam = [
        (name, r.get("Type"), IAM_TYPES[r["Type"]])
        for name, r in template["Resources"].items()
        if r.get("Type") in IAM_TYPES
    ]
    if not iam:
        return [], ""
    named = any(prop and (r_props(template, name).get(prop)) for name, _, prop in iam)
    capability = "CAPABILITY_NAMED_IAM" if named else "CAPABILITY_IAM"
    reason = "The following resource(s) require capabilities: [" + ", ".join(
        sorted({str(t) for _, t, _ in iam})
    )
    return [capability], reason + "]"


def r_props(template: dict[str, Any], name: str) -> dict[str, Any]:
    return template["Resources"][name].get("Properties") or {}


def check_capabilities(template: dict[str, Any], given: list[str]) -> None:
    needed, _ = required_capabilities(template)
    if not needed:
        return
    if needed == ["CAPABILITY_IAM"] and ({"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"} & set(given)):
        return
    if needed[0] in given:
        return
    raise InsufficientCapabilitiesException(f"Requires capabilities : [{needed[0]}]")


def check_parameters(
    template: dict[str, Any], given: list[dict[str, Any]], previous: set[str] | None = None
) -> None:
    declared = template.get("Parameters") or {}
    unknown = [p["ParameterKey"] for p in given if p.get("ParameterKey") not in declared]
    if unknown:
        raise ValidationError(
            message=f"Parameters: [{', '.join(unknown)}] do not exist in the template"
        )
    provided = {
        p["ParameterKey"]
        for p in given
        if "ParameterValue" in p or (p.get("UsePreviousValue") and previous is not None)
    }
    missing = [
        name
        for name, spec in declared.items()
        if "Default" not in (spec or {}) and name not in provided
    ]
    if missing:
        raise ValidationError(message=f"Parameters: [{', '.join(missing)}] must have values")


# --- response wrappers ------------------------------------------------------------------------


def _request_template(self: CloudFormationResponse, stack: Stack | None) -> str | None:
    body = self._get_param("TemplateBody")
    url = self._get_param("TemplateURL")
    if url:
        return str(self._get_stack_from_s3_url(url))
    if body is None and self._get_param("UsePreviousTemplate") in (True, "true") and stack:
        return str(stack.template)
    return body


def _stack(self: CloudFormationResponse) -> Stack | None:
    name = self._get_param("StackName")
    return next(
        (
            s
            for s in self.cloudformation_backend.stacks.values()
            if name in (s.name, s.stack_id) and s.status != "DELETE_COMPLETE"
        ),
        None,
    )


def _checked(method: Callable[[CloudFormationResponse], Any], operation: str) -> Callable[..., Any]:
    def wrapper(self: CloudFormationResponse) -> Any:
        stack = _stack(self)
        body = _request_template(self, stack)
        if body is not None:
            template = parse(body)
            check_template(template)
            updating = operation == "update_stack" or (
                operation == "create_change_set"
                and (self._get_param("ChangeSetType") or "UPDATE") == "UPDATE"
            )
            check_parameters(
                template,
                self._get_param("Parameters", []) or [],
                set(stack.parameters) if (updating and stack) else None,
            )
            check_capabilities(template, self._get_param("Capabilities", []) or [])
        return method(self)

    wrapper.__name__ = method.__name__
    return wrapper


def _validate_template(self: CloudFormationResponse) -> ActionResult:
    body = self._get_param("TemplateBody")
    url = self._get_param("TemplateURL")
    if url:
        body = self._get_stack_from_s3_url(url)
    template = parse(body or "")
    check_template(template)
    capabilities, reason = required_capabilities(template)
    parameters = []
    for name, spec in (template.get("Parameters") or {}).items():
        spec = spec or {}
        entry: dict[str, Any] = {"ParameterKey": name, "NoEcho": bool(spec.get("NoEcho"))}
        if "Default" in spec:
            entry["DefaultValue"] = str(spec["Default"])
        if spec.get("Description"):
            entry["Description"] = spec["Description"]
        parameters.append(entry)
    result: dict[str, Any] = {
        "Parameters": parameters,
        "Capabilities": capabilities,
        "DeclaredTransforms": [],
    }
    if template.get("Description"):
        result["Description"] = template["Description"]
    if reason:
        result["CapabilitiesReason"] = reason
    return ActionResult(result)


def install() -> None:
    """Wrap the operations (inside the inline size check, which AWS makes first)."""
    for name in ("create_stack", "update_stack", "create_change_set"):
        setattr(CloudFormationResponse, name, _checked(getattr(CloudFormationResponse, name), name))
    CloudFormationResponse.validate_template = _validate_template  # type: ignore[method-assign]
