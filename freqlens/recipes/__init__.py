"""One module per paper experiment; each registers recipes with :func:`freqlens.recipes.base.recipe`."""
from freqlens.recipes.base import (
    Check,
    Recipe,
    RecipeContext,
    RecipeOutput,
    get_recipe,
    list_recipes,
    recipe,
    run_recipe,
)

__all__ = ["Check", "Recipe", "RecipeContext", "RecipeOutput", "recipe", "get_recipe", "list_recipes", "run_recipe"]
