LIMIT = 10
# <- definition.constant


class Base:
#     ^ definition.class
    pass


class Greeter(Base):
#     ^ definition.class
#             ^ reference.type
    def greet(self, name):
#       ^ definition.method
        return format_name(name)
#              ^ reference.call


def format_name(name):
#   ^ definition.function
    return name.title()
#               ^ reference.call
