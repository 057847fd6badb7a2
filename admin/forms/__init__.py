"""The admin's WTForms, one module per domain: they parse and check the shape of input; the
services judge its meaning. Every form is a FlaskForm, so each carries the CSRF token that
CSRFProtect checks on every POST.

Import a form from its own module (`from admin.forms.components import ComponentForm`).
"""
