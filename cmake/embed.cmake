# cmake -DIN=FILE -DOUT=HEADER -DNAME=SYMBOL -P embed.cmake
# Writes HEADER with `static const char SYMBOL[]`: FILE's bytes and a NUL.
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp"
     "/* generated from ${IN} by cmake/embed.cmake: do not edit */\n"
     "static const char ${NAME}[] = {\n${bytes}0x00\n};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
