"""One module per paper experiment; each registers recipes with :func:`freqlens.recipes.base.recipe`."""
from freqlens.recipes.base import (
    Check,
    Control,
    Deviation,
    Recipe,
    RecipeContext,
    RecipeOutput,
    get_recipe,
    list_recipes,
    recipe,
    recipe_status,
    run_recipe,
    unguarded_checks,
)

__all__ = ["Check", "Control", "Deviation", "recipe_status", "unguarded_checks", "Recipe", "RecipeContext",
           "RecipeOutput", "recipe", "get_recipe", "list_recipes", "run_recipe"]
